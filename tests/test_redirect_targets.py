"""Every redirect target a request can name goes through kupang.security.safe_path, tested through HTTP.

Explicit cases cover the parameters the app reads (`next` at both login steps, `kembali` on the ticket);
a walk over every GET route as every kind of visitor sends hostile values in the usual parameter names,
so a new view that follows one unchecked fails here too.
"""
import html
import re
from urllib.parse import urlsplit

import pytest

from kupang.auth.models import find_user
from kupang.db import write_intent
from kupang.extensions import db
from kupang.security import safe_path
from tests.conftest import PASSWORD
from tests.test_access import client_for, routes
from tests.test_core_helpers import HOSTILE_TARGETS
from tests.test_totp import code_at

# NUL bytes are refused (400) before any view: kept apart so each test asserts one outcome.
TARGETS = [t for t in HOSTILE_TARGETS if t and "\0" not in t] + ["https://evil.example/", " //example.org"]
NUL_TARGETS = [t for t in HOSTILE_TARGETS if t and "\0" in t]
PARAMETER_NAMES = ("next", "kembali", "url", "return", "return_to", "back", "redirect", "tujuan", "asal", "lanjut")
URL_ATTRIBUTES = re.compile(
    r"""\b(href|src|action|formaction|data-[a-z-]*url|hx-(?:get|post|put|delete))=["']([^"']*)""")


def leaves_site(value):
    """True when a Location or a link target would take the browser elsewhere (or run script)."""
    value = html.unescape(value or "")
    if value in ("", "#") or value.startswith(("#", "?")):
        return False
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc == "localhost":  # Werkzeug's absolute form
        value = value[len(f"{parts.scheme}://{parts.netloc}"):] or "/"
    return safe_path(value) is None


def unsafe_targets(response):
    """Every Location, HX-Redirect and link-like attribute value of a response that leaves the site."""
    found = [v for v in (response.headers.get("Location"), response.headers.get("HX-Redirect")) if v and leaves_site(v)]
    if response.mimetype == "text/html":
        found += [f"{name}={value}" for name, value in URL_ATTRIBUTES.findall(response.get_data(as_text=True))
                  if leaves_site(value)]
    return found


@pytest.fixture
def people(app, make_user):
    """An admin, a supervisor, a clerk (all with the test password)."""
    for role in ("admin", "supervisor", "clerk"):
        make_user(role, f"{role}1")


@pytest.mark.parametrize("target", TARGETS)
def test_login_next_is_checked(app, people, target):
    response = app.test_client().post("/masuk", query_string={"next": target},
                                      data={"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", TARGETS)
def test_second_login_step_next_is_checked(app, people, target):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        user = find_user("clerk1")
        user.totp_secret, user.totp_enabled = secret, True
        db.session.commit()
    client = app.test_client()
    first = client.post("/masuk", query_string={"next": target}, data={"username": "clerk1", "password": PASSWORD})
    assert first.status_code == 302 and first.headers["Location"] == "/masuk/verifikasi"  # the target is dropped
    from datetime import UTC, datetime

    second = client.post("/masuk/verifikasi", query_string={"next": target},
                         data={"code": code_at(secret, datetime.now(UTC).replace(tzinfo=None))})
    assert second.status_code == 302 and second.headers["Location"] == "/"


@pytest.mark.parametrize("target", NUL_TARGETS)
@pytest.mark.parametrize("path", ["/masuk", "/masuk/verifikasi", "/tiket/x/cetak"])
def test_nul_in_a_target_is_refused(app, people, target, path):
    response = app.test_client().post(path, query_string={"next": target, "kembali": target},
                                      data={"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 400 and "Permintaan tidak valid" in response.get_data(as_text=True)


@pytest.fixture
def ticket_token(app):
    """A ticket issued at a kiosk today; its token."""
    from kupang.queue.models import Service
    from kupang.queue.numbering import issue_ticket
    from tests.queue.core_fixtures import add_service

    with app.app_context():
        service_id = add_service("Surat keterangan domisili", "A")
        with write_intent():
            ticket = issue_ticket(db.session.get(Service, service_id))
            token = ticket.token
            db.session.commit()
    return token


@pytest.mark.parametrize("target", TARGETS)
def test_ticket_print_return_link_is_checked(app, people, ticket_token, target):
    staff = client_for(app, "clerk")
    response = staff.get(f"/tiket/{ticket_token}/cetak", query_string={"kembali": target})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nomor antrian" in text
    assert 'data-return-url=' not in text and ">Kembali</a>" not in text  # no way back offered at all
    assert unsafe_targets(response) == []


def test_ticket_print_keeps_a_local_return_link(app, people, ticket_token):
    response = client_for(app, "clerk").get(f"/tiket/{ticket_token}/cetak", query_string={"kembali": "/loket"})
    assert 'data-return-url="/loket"' in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["//example.org", "/\t/example.org", "javascript:alert(1)"])
def test_no_route_follows_a_hostile_target(app, people, target):
    """Every GET route, as a visitor and each role, with the value in every usual parameter name."""
    query = dict.fromkeys(PARAMETER_NAMES, target)
    problems, seen = [], 0
    for rule, method, url, _view in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        for role in ("anonymous", "clerk", "supervisor", "admin"):
            response = client_for(app, role).get(url, query_string=query)
            seen += 1
            problems += [f"GET {rule.rule} as {role}: {found}" for found in unsafe_targets(response)]
    assert seen >= 4 * 30
    assert not problems, "\n".join(problems)
