"""Huge integers anywhere a request can carry one: 400, 404 or ignored, never a 500.

The walk sends a 30-digit number (and the largest value a database integer holds, which a page
offset could still overflow) in every parameter name the app reads: names found in the views'
`args.get(...)`/`form.get(...)` calls, in every form class and in every template's `name="..."`,
as query string and as form body, on every route, as each role and as a paired kiosk and display.
"""
import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from kupang.cli import DEMO_PASSWORD
from kupang.forms import KupangForm
from kupang.params import DB_INT_MAX
from tests.test_access import SKIPPED_METHODS, sample_value

ROOT = Path(__file__).resolve().parents[1]
# 30 digits; the largest id PostgreSQL holds (a page number that size would still overflow an offset); one past it.
BIG_VALUES = ["9" * 30, str(DB_INT_MAX), str(DB_INT_MAX + 1)]
SOURCE_NAMES = re.compile(r"""(?:args|form|values)\.(?:get|getlist)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")
TEMPLATE_NAMES = re.compile(r"""\bname=["']([A-Za-z_][A-Za-z0-9_]*)["']""")
NOT_NUMBERS = {"csrf_token"}  # a wrong token is a 400 of its own: tested in test_csrf
EXTRA_NAMES = {"halaman"}  # read through kupang.params.page_number(), which the scan does not see


def form_classes(cls=KupangForm):
    """Every form class of the app (subclasses of KupangForm, at any depth)."""
    for sub in cls.__subclasses__():
        yield sub
        yield from form_classes(sub)


def parameter_names():
    """Every request parameter name the app reads or renders."""
    names = set(EXTRA_NAMES)
    for path in (ROOT / "kupang").rglob("*.py"):
        names |= set(SOURCE_NAMES.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "templates").rglob("*.html"):
        names |= set(TEMPLATE_NAMES.findall(path.read_text(encoding="utf-8")))
    for form in form_classes():  # class attributes are still UnboundFields: name -> field_class
        names |= {name for name in dir(form) if hasattr(getattr(form, name, None), "field_class")}
    return sorted(names - NOT_NUMBERS)


def big_urls(rule, value):
    """The rule's path with real sample values, and (when it has integer parts) with the big value in them."""
    converters = rule._converters  # noqa: SLF001
    normal = {name: sample_value(conv) for name, conv in converters.items()}
    urls = [rule.build(normal, append_unknown=False)[1]]
    if any(isinstance(conv, IntegerConverter) for conv in converters.values()):
        path = rule.rule
        for name, conv in converters.items():
            replacement = value if isinstance(conv, IntegerConverter) else str(normal[name])
            path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", replacement, path)
        urls.append(path)
    return urls


@pytest.fixture
def seeded(app, runner):
    """The demo office (users, residents, families, services, counters) and a paired kiosk and display."""
    result = runner.invoke(args=["seed-demo", "--residents", "40"])
    assert result.exit_code == 0, result.output
    from tests.queue.core_fixtures import paired_device

    with app.app_context():
        return {"kiosk": paired_device("kiosk", "Kiosk uji")[1], "display": paired_device("display", "TV uji")[1]}


def visitor(app, who, tokens):
    """A test client for a demo user, a paired device, or nobody."""
    client = app.test_client()
    if who in ("kiosk", "display"):
        client.set_cookie("kupang_device", tokens[who])
    elif who != "anonymous":
        response = client.post("/masuk", data={"username": who, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"login as {who}"
    return client


@pytest.mark.parametrize("value", BIG_VALUES, ids=["30-digits", "int4-max", "int4-max-plus-1"])
def test_no_route_breaks_on_a_huge_integer(app, seeded, value):
    names = parameter_names()
    assert {"halaman", "sebelum", "a", "b", "service", "resident_id"} <= set(names)  # the scan sees the views
    fields = dict.fromkeys(names, value)
    problems, seen = [], 0
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for who in ("admin", "lurah", "petugas1", "anonymous", "kiosk", "display"):
        client = visitor(app, who, seeded)
        for rule in rules:
            if rule.endpoint == "static":
                continue
            for method in sorted(rule.methods - SKIPPED_METHODS):
                for url in big_urls(rule, value):
                    if method == "GET":
                        response = client.get(url, query_string=fields)
                    else:
                        response = client.open(url, method=method, query_string=fields, data=fields)
                    seen += 1
                    if response.status_code >= 500:
                        problems.append(f"{method} {url} as {who}: {response.status_code}")
                    if rule.rule.endswith("/keluar") or rule.rule.endswith("/keluar-semua"):
                        client = visitor(app, who, seeded)  # logged out by the walk: log in again
    assert seen > 6 * 80
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/audit", "/penduduk", "/kelengkapan/penduduk", "/kelengkapan/keluarga-tanpa-kepala",
                                  "/duplikat"])
def test_a_page_number_past_the_end_shows_an_empty_last_page(app, seeded, path):
    """halaman=DB_INT_MAX must not overflow page x size into the database's offset."""
    client = visitor(app, "admin", seeded)
    response = client.get(path, query_string={"halaman": str(DB_INT_MAX), "sebelum": str(DB_INT_MAX)})
    assert response.status_code in (200, 400), response.status_code
