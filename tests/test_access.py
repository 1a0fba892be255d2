"""One access matrix over every route in app.url_map, for visitors and every role.

The test reads the protection markers the decorators leave on views (`is_public`, `allowed_roles`,
`device_kinds`); a route with none of them must send visitors to the login page, so a new route that
forgets its protection fails here.
"""
import re
import uuid

from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from kupang.auth.accounts import create_user
from kupang.extensions import db
from tests.conftest import PASSWORD

ROLES = ("anonymous", "clerk", "supervisor", "admin")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
STAFF_MARKERS = ('class="mainnav"', 'action="/keluar"')


def sample_value(converter):
    """A value that fits a URL converter: an existing id (1) for ints, 'x' for strings."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items))
    return "x"


def sample_url(rule):
    """The rule's path with every converter filled in."""
    values = {name: sample_value(conv) for name, conv in rule._converters.items()}  # noqa: SLF001
    return rule.build(values, append_unknown=False)[1]


def routes(app):
    """(rule, method, url, view) for every rule and method the app serves."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method, sample_url(rule), view


class UnauthorizedSpy:
    """Counts calls of Flask-Login's unauthorized handler (the 'please log in' path)."""

    def __init__(self, login_manager):
        self.manager = login_manager
        self.original = login_manager.unauthorized_callback
        self.calls = 0

    def __enter__(self):
        def spy():
            self.calls += 1
            return self.original()

        self.manager.unauthorized_callback = spy
        return self

    def __exit__(self, *exc):
        self.manager.unauthorized_callback = self.original


def login_request(response, spy_called):
    """'strong' when the response certainly asks for a staff login, 'plain' for a bare redirect to /masuk."""
    location = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
    if spy_called or location.startswith("/masuk?next="):
        return "strong"
    return "plain" if location == "/masuk" else ""


def client_for(app, role):
    """A fresh client, logged in as the role's user (anonymous stays logged out)."""
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/masuk", data={"username": f"{role}1", "password": PASSWORD})
        assert response.status_code == 302, f"login as {role} failed"
    return client


def check_open_view(view, role, response, asked):
    """Public and device views never ask for a staff login; devices show no staff page to visitors."""
    if asked == "strong":
        return ["asked for a staff login"]
    text = response.get_data(as_text=True)
    if (getattr(view, "device_kinds", None) and role == "anonymous" and response.status_code < 300
            and any(marker in text for marker in STAFF_MARKERS)):
        return ["staff content without a paired device"]
    return []


def check_role_view(view, role, response, asked):
    """Visitors log in first, other roles get 403, allowed roles get in."""
    if role == "anonymous":
        return [] if asked else ["visitor not sent to the login page"]
    if role not in view.allowed_roles:
        return [] if response.status_code == 403 else [f"role outside {sorted(view.allowed_roles)}: no 403"]
    return ["allowed role sent to the login page"] if asked == "strong" else []


def check_staff_view(role, asked):
    """Any other view needs a logged-in user."""
    if role == "anonymous":
        return [] if asked else ["unprotected view: mark it @public, @roles_required or @login_required"]
    return ["logged-in user sent to the login page"] if asked == "strong" else []


def check(rule, method, view, role, response, asked):
    """The problems one request shows, as text (empty when it behaves)."""
    if rule.endpoint == "static" or getattr(view, "is_public", False) or getattr(view, "device_kinds", None):
        problems = check_open_view(view, role, response, asked)
    elif getattr(view, "allowed_roles", None) is not None:
        problems = check_role_view(view, role, response, asked)
    else:
        problems = check_staff_view(role, asked)
    if response.status_code >= 500:
        problems.append("server error")
    return [f"{method} {rule.rule} as {role} -> {response.status_code}: {p}" for p in problems]


def test_access_matrix_over_every_route(app):
    with app.app_context():
        for role in ("admin", "supervisor", "clerk"):  # admin first: id 1 is a real account
            create_user(f"{role}1", role, PASSWORD, must_change=False)
        db.session.commit()
    problems, seen = [], 0
    with UnauthorizedSpy(app.login_manager) as spy:
        for rule, method, url, view in routes(app):
            for role in ROLES:
                client = client_for(app, role)  # fresh per request: logout or epoch bumps cannot leak
                before = spy.calls
                response = client.open(url, method=method, data={} if method != "GET" else None)
                problems += check(rule, method, view, role, response, login_request(response, spy.calls > before))
                seen += 1
    assert seen >= 4 * 20  # the walk really covered the app
    assert not problems, "\n".join(problems)


def test_matrix_catches_an_unprotected_route(app):
    """The check itself: a route without any marker is reported."""

    @app.route("/lupa-dilindungi")
    def forgotten():
        return "data"

    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/lupa-dilindungi")
    response = app.test_client().get("/lupa-dilindungi")
    assert check(rule, "GET", forgotten, "anonymous", response, login_request(response, False))


INLINE_CODE = re.compile(
    r"""<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|javascript:|\b(?:src|href|action)=["']?(?:https?:)?//""",
    re.I)


def test_every_page_obeys_the_strict_csp(app):
    """No inline script, style attribute, on* handler or outside asset/link on any page a GET returns."""
    with app.app_context():
        for role in ("admin", "supervisor", "clerk"):
            create_user(f"{role}1", role, PASSWORD, must_change=False)
        db.session.commit()
    problems = []
    for rule, method, url, _view in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        for role in ROLES:
            response = client_for(app, role).get(url)
            if response.mimetype == "text/html":
                found = INLINE_CODE.findall(response.get_data(as_text=True))
                if found:
                    problems.append(f"GET {rule.rule} as {role}: {sorted(set(found))}")
    assert not problems, "\n".join(problems)
