"""One access matrix over every route in app.url_map: the exact outcome for every visitor.

Visitors: nobody, each staff role, a paired kiosk, a paired display, a revoked kiosk. The expected
outcome comes from the protection markers the decorators leave on views (`is_public`,
`allowed_roles`, `device_kinds`; none of them means `login_required`) and is one of

    page       the view itself answered (a GET: 200 on the demo office's data)
    forbidden  403 with the Indonesian page
    login      a redirect to /masuk (?next=<this page> for a GET)
    pairing    a redirect to the device pairing page
    absent     404 with the Indonesian page (a city-only page on an office, `city_only`)

Each request is classified the same way and the two must be equal: a route whose guard refuses an
allowed role, lets a stranger in, or sends a device to the staff login fails here. A route without
any marker must send visitors to the login page, so a new route that forgets its protection fails too.
"""
import re
import uuid
from datetime import time

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from kupang.extensions import db
from tests.conftest import PASSWORD

STAFF = ("clerk", "supervisor", "admin")
DEVICES = ("kiosk", "display")
VISITORS = ("anonymous", *STAFF, *DEVICES, "revoked")
ROLES = ("anonymous", *STAFF)  # other tests walk pages as these
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# The page of a view that does not answer 200 to a plain GET (or 2xx/4xx to an empty POST) by design:
# endpoint -> {visitor or "*": (status, Location)}.
ANSWERS = {
    ("auth.login", "GET"): dict.fromkeys(STAFF, (302, "/")),  # logged in: go home
    ("auth.login_totp", "GET"): {"*": (302, "/masuk")},  # no password step pending
    ("auth.login_totp", "POST"): {"*": (302, "/masuk")},
    ("auth.logout", "POST"): dict.fromkeys(STAFF, (302, "/masuk")),
    ("auth.logout_everywhere", "POST"): dict.fromkeys(STAFF, (302, "/masuk")),
    ("queue.counter_waiting", "GET"): {"*": (204, None)},  # the waiting list's poll: nothing changed
    ("registry.import_progress", "GET"): {"*": (302, "/penduduk/impor/1")},  # a finished check: its page
    ("queue.favicon", "GET"): {"*": (301, "/static/favicon.ico")},  # browsers ask for /favicon.ico: the static icon
}
# Visitors a view lets in beyond its marker: the kiosk that issued a ticket may print it again.
EXTRA_VISITORS = {"queue.ticket_print": {"kiosk"}}


def sample_value(converter, samples=None, name=""):
    """A value that fits a URL converter: an existing id (1) for ints, a real token or action where known."""
    if samples and name in samples:
        return samples[name]
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items))
    return "x"


def sample_url(rule, samples=None):
    """The rule's path with every converter filled in."""
    values = {name: sample_value(conv, samples, name) for name, conv in rule._converters.items()}  # noqa: SLF001
    return rule.build(values, append_unknown=False)[1]


def routes(app, samples=None):
    """(rule, method, url, view) for every rule and method the app serves."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method, sample_url(rule, samples), view


def client_for(app, role):
    """A fresh client, logged in as the role's user (anonymous stays logged out)."""
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/masuk", data={"username": f"{role}1", "password": PASSWORD})
        assert response.status_code == 302, f"login as {role} failed"
    return client


# --- the demo office the matrix walks ----------------------------------------------------------


@pytest.fixture
def office(app, runner):
    """Demo data (ids 1 exist), one user per role, devices, a ticket and an import job; the URL samples."""
    from kupang.auth.accounts import create_user
    from kupang.db import write_intent
    from kupang.queue.devices import create_device, pair_device, revoke_device
    from kupang.queue.models import Service, Ticket
    from kupang.registry.import_models import ImportJob
    from kupang.timeutil import now_utc

    result = runner.invoke(args=["seed-demo", "--residents", "30"])
    assert result.exit_code == 0, result.output
    tokens = {}
    with app.app_context(), write_intent():
        for role in STAFF:
            create_user(f"{role}1", role, PASSWORD, must_change=False)
        for name, kind in (("kiosk", "kiosk"), ("display", "display"), ("revoked", "kiosk")):
            device, code = create_device(kind, f"Uji {name}", None)
            db.session.flush()
            tokens[name] = pair_device(code)[1]
            if name == "revoked":
                revoke_device(device, None)
        db.session.commit()
        # Open round the clock, whatever the hour the suite runs at (the kiosk's choice page needs an open service).
        for service in db.session.scalars(select(Service)):
            service.opens_at, service.closes_at = time.min, time.max
        kiosk_id = db.session.scalar(select(Ticket.id).where(Ticket.status == "done").limit(1))
        ticket = db.session.get(Ticket, kiosk_id)
        ticket.issued_by_device_id = pair_device_id(tokens["kiosk"])
        ticket.finished_at = now_utc()  # finished just now: its survey is open
        assert db.session.scalar(select(ImportJob.id).limit(1)) is None  # so the one below is id 1
        db.session.add(import_job_of("clerk1"))
        db.session.commit()
        from kupang.letters.models import Letter

        letter_token = db.session.scalar(select(Letter.verify_token).where(Letter.id == 1))
        samples = {"token": ticket.token, "action": "panggil", "filename": "css/app.css", "verify_token": letter_token}
    with app.app_context(), write_intent():
        a, b = mergeable_pair()
    return {"tokens": tokens, "samples": samples, "queries": {"registry.merge": {"a": a, "b": b}}}


def mergeable_pair():
    """Resident 1 and a twin recorded without NIK (a suspected duplicate the merge page accepts); their ids."""
    from kupang.registry.models import Resident

    original = db.session.get(Resident, 1)
    twin = Resident(name=original.name, sex=original.sex, birth_date=original.birth_date, rt=original.rt,
                    rw=original.rw, kelurahan_code=original.kelurahan_code)
    db.session.add(twin)
    db.session.commit()
    return original.id, twin.id


def import_job_of(username):
    """A checked import owned by the user, with its rejected-rows and issues files on disk."""
    from flask import current_app

    from kupang.auth.models import find_user
    from kupang.registry.import_models import ImportJob

    folder = current_app.instance_path + "/imports"
    __import__("os").makedirs(folder, exist_ok=True)
    stem = f"access-{uuid.uuid4().hex[:8]}"
    for suffix in ("rejected.csv", "issues.csv"):
        with open(f"{folder}/{stem}-{suffix}", "w") as fh:
            fh.write("baris;alasan\n")
    return ImportJob(user_id=find_user(username).id, file_name="contoh.csv", file_format="csv",
                     stored_path=f"{stem}.csv", status="checked", summary="{}",
                     rejected_path=f"{stem}-rejected.csv", issues_path=f"{stem}-issues.csv")


def pair_device_id(token):
    """The id of the device holding a token."""
    from kupang.queue.devices import digest
    from kupang.queue.models import Device

    return db.session.scalar(select(Device.id).where(Device.token_hash == digest(token)))


def visitor(app, who, tokens):
    """A fresh client for a visitor (fresh per request: logout or epoch bumps cannot leak)."""
    if who in ("kiosk", "display", "revoked"):
        client = app.test_client()
        client.set_cookie("kupang_device", tokens[who])
        return client
    return client_for(app, who)


# --- expected and actual outcome --------------------------------------------------------------


def expected_outcome(rule, view, who):
    """What the markers promise this visitor (the walk runs on an office: a city-only page is absent)."""
    if getattr(view, "city_only", False):
        return "absent"
    if rule.endpoint == "static" or getattr(view, "is_public", False):
        return "page"
    if who in EXTRA_VISITORS.get(rule.endpoint, ()):
        return "page"
    kinds = getattr(view, "device_kinds", None)
    if kinds is not None:
        if who in DEVICES:
            return "page" if who in kinds else "forbidden"
        return "pairing"
    if who not in STAFF:
        return "login"
    roles = getattr(view, "allowed_roles", None)
    if roles is not None and who not in roles:
        return "forbidden"
    return "page"


def the_page(rule, method, who):
    """(status, Location) of the view's own answer to this visitor; None: any answer of an empty POST."""
    answers = ANSWERS.get((rule.endpoint, method), {})
    return answers.get(who, answers.get("*", (200, None) if method == "GET" else None))


# A kiosk or TV refused a page gets its own error page (it retries and goes home), not the staff one.
DEVICE_REFUSAL = "Kode 403 · akses perangkat"


def actual_outcome(rule, method, url, response, who="anonymous"):
    """The same classes, read off the response; anything else is described as it is."""
    status = response.status_code
    location = response.headers.get("Location")
    page = the_page(rule, method, who)
    if page is not None and (status, location) == page:
        return "page"
    body = response.get_data(as_text=True) if status == 403 else ""
    if status == 403 and ("Akses ditolak" in body or DEVICE_REFUSAL in body):
        return "forbidden"
    if status == 302 and (location or "").split("?")[0] == "/masuk":
        wanted = f"/masuk?next={url}" if method == "GET" else "/masuk"
        return "login" if location == wanted else f"login elsewhere: {location}"
    if status == 302 and location == "/perangkat/pasang":
        return "pairing"
    if status >= 500:
        return f"server error {status}"
    if status == 404 and "Halaman tidak ditemukan" in response.get_data(as_text=True):
        return "absent"
    if page is None and status not in (401, 403) and (status, location) not in ((302, "/masuk"),):
        return "page"  # an empty POST: the view's own answer (400 with its message, a redirect back...)
    return f"{status} {location or ''}".strip()


def test_access_matrix_over_every_route(app, office):
    problems, seen = [], 0
    for rule, method, url, view in routes(app, office["samples"]):
        for who in VISITORS:
            query = office["queries"].get(rule.endpoint) if method == "GET" else None
            response = visitor(app, who, office["tokens"]).open(url, method=method, query_string=query,
                                                               data={} if method != "GET" else None)
            asked = f"{url}?{'%26'.join(f'{k}%3D{v}' for k, v in query.items())}" if query else url
            expected, actual = expected_outcome(rule, view, who), actual_outcome(rule, method, asked, response, who)
            seen += 1
            if expected != actual:
                problems.append(f"{method} {rule.rule} as {who}: expected {expected}, got {actual}")
    assert seen >= len(VISITORS) * 60  # the walk really covered the app
    assert not problems, "\n".join(problems)


def test_matrix_catches_an_unprotected_route(app):
    """The check itself: a route without any marker lets a visitor in, which the matrix reports."""

    @app.route("/lupa-dilindungi")
    def forgotten():
        return "data"

    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/lupa-dilindungi")
    response = app.test_client().get("/lupa-dilindungi")
    assert expected_outcome(rule, forgotten, "anonymous") == "login"
    assert actual_outcome(rule, "GET", "/lupa-dilindungi", response) == "page"


def test_matrix_catches_a_guard_that_refuses_allowed_roles(app, make_user):
    """The check itself: a view whose guard refuses the role its marker allows is reported."""
    from flask import abort

    from kupang.security import roles_required

    @app.route("/terlalu-ketat")
    @roles_required("admin")
    def too_strict():
        abort(403)

    make_user("admin", "admin1")
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/terlalu-ketat")
    response = client_for(app, "admin").get("/terlalu-ketat")
    assert expected_outcome(rule, too_strict, "admin") == "page"
    assert actual_outcome(rule, "GET", "/terlalu-ketat", response, "admin") == "forbidden"


INLINE_CODE = re.compile(
    r"""<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|javascript:|\b(?:src|href|action)=["']?(?:https?:)?//""",
    re.I)


def test_every_page_obeys_the_strict_csp(app, office):
    """No inline script, style attribute, on* handler or outside asset/link on any page a GET returns."""
    problems = []
    for rule, method, url, _view in routes(app, office["samples"]):
        if method != "GET" or rule.endpoint == "static":
            continue
        for who in VISITORS:
            response = visitor(app, who, office["tokens"]).get(url)
            if response.mimetype == "text/html":
                found = INLINE_CODE.findall(response.get_data(as_text=True))
                problems += [f"GET {rule.rule} as {who}: {sorted(set(found))}"] if found else []
    assert not problems, "\n".join(problems)
