"""Fixtures: an app per test on SQLite (and PostgreSQL when KUPANG_TEST_POSTGRES_URL is set)."""
import os
import shutil
import uuid

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kupang import create_app
from kupang.extensions import db
from tests import skip_policy

# Property tests (tests/property/): modest and repeatable in CI and under `make mutation`, wider by hand.
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, database=None)
settings.register_profile("mutation", max_examples=20, derandomize=True, deadline=None, database=None)
settings.register_profile("dev", max_examples=150, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if skip_policy.in_ci() else "dev"))

POSTGRES_URL = os.environ.get("KUPANG_TEST_POSTGRES_URL")
# Both backends always: without a PostgreSQL server its half is skipped and counted (a failure in CI).
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "Rahasia-Kuat-123"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # Tests post forms directly; CSRF is switched back on in the tests that prove it is enforced.
    "WTF_CSRF_ENABLED": False,
    # Cheap hashes keep the suite fast; bench/ measures the real Argon2id parameters.
    "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


def build_app(database_url, instance_path, **overrides):
    """An app on the given database with the test settings."""
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                       "INSTANCE_PATH": str(instance_path), **overrides})


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    """One instance folder for the session (secret key, kelurahan lookup cache)."""
    return tmp_path_factory.mktemp("instance")


def migrate(app):
    """Apply every migration to the app's database."""
    from kupang.cli import apply_migrations

    with app.app_context():
        apply_migrations()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, instance_dir):
    """A migrated SQLite file each test copies, so tests never share state.

    With KUPANG_TEST_TEMPLATE_CACHE (set by `make mutation`, whose every mutant is a new pytest session) the
    migrated file is kept in that folder under a hash of the migrations and reused while they are unchanged.
    """
    cache = os.environ.get("KUPANG_TEST_TEMPLATE_CACHE")
    if cache:
        cached = os.path.join(cache, f"template-{migrations_hash()}.db")
        if not os.path.exists(cached):
            os.makedirs(cache, exist_ok=True)
            building = f"{cached}.{os.getpid()}"
            migrate(build_app(f"sqlite:///{building}", instance_dir))
            os.replace(building, cached)
        return cached
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(build_app(f"sqlite:///{path}", instance_dir))
    return path


def migrations_hash():
    """A short hash of every migration file: a cached template is reused only while they are unchanged."""
    import hashlib

    digest = hashlib.sha256()
    folder = os.path.join(os.path.dirname(__file__), "..", "migrations")
    for root, _dirs, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(root, name), "rb") as f:
                    digest.update(name.encode() + f.read())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def postgres_url(instance_dir):
    """A private, migrated PostgreSQL database for this test run, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not set up: KUPANG_TEST_POSTGRES_URL not set")
    problem = skip_policy.postgres_problem(POSTGRES_URL)
    if problem:
        pytest.skip(f"PostgreSQL at {skip_policy.shown_url(POSTGRES_URL)} does not answer: {problem}")
    import psycopg

    server = make_url(POSTGRES_URL)
    name = f"kupang_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    migrate(build_app(url, instance_dir))
    yield url
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_postgres(app):
    """Empty every table except reference data (triggers off so the audit log can be cleared)."""
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables if not t.info.get("reference")]
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables)} "
                              "RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, instance_dir):
    """A fresh database URL for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "kupang.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(db_url, instance_dir, tmp_path):
    """The app on a fresh database (and fresh per-minute counts of the public pages)."""
    app = build_app(db_url, instance_dir, RATELIMIT_FILE=str(tmp_path / "ratelimit.sqlite3"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        reset_postgres(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user: make_user('clerk', 'budi', must_change=False)."""
    from kupang.auth.accounts import create_user

    def make(role="clerk", username=None, password=PASSWORD, must_change=False, **kwargs):
        with app.app_context():
            user = create_user(username or f"{role}1", role, password, must_change=must_change, **kwargs)
            db.session.commit()
            return user.id

    return make


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, username="clerk1", password=PASSWORD, follow=False):
        """POST the login form."""
        return self._client.post("/masuk", data={"username": username, "password": password},
                                 follow_redirects=follow)

    def logout(self):
        """POST the logout form."""
        return self._client.post("/keluar")


@pytest.fixture
def auth(client):
    """Login helper bound to the test client."""
    return AuthActions(client)


@pytest.fixture
def login_as(make_user, auth):
    """Create a user of a role and log the client in as them: login_as('admin')."""

    def do(role, username=None, **kwargs):
        name = username or f"{role}1"
        make_user(role, name, **kwargs)
        response = auth.login(name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return name

    return do


# --- real servers and a real browser ------------------------------------------------------

CHROMIUM = os.environ.get("KUPANG_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
OUTPUT_DIR = os.path.join(os.path.dirname(__file__), "..", "test-output")


@pytest.fixture
def live_server(app):
    """The app served over real HTTP by Werkzeug in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (skipped where Chromium is not installed; a failure in CI)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed ({CHROMIUM} not found; make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir(request):
    """test-output/<test name>/ for screenshots a person can look at."""
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    path = os.path.abspath(os.path.join(OUTPUT_DIR, name))
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page at 1366x768, pointed at the live server."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID",
                                  base_url=live_server)
    page = context.new_page()
    requests_outside = []
    page.on("request", lambda req: None if req.url.startswith(live_server) or req.url.startswith("data:")
            else requests_outside.append(req.url))
    page.requests_outside = requests_outside
    yield page
    context.close()
    assert not requests_outside, f"page requested outside the server: {requests_outside}"


@pytest.fixture
def gunicorn(app, db_url, instance_dir, tmp_path):
    """A real gunicorn (2 workers x 4 threads, the shipped config) on this test's database.

    Yields a tests.concurrency.Gunicorn: `.port`, `.logged_in(user, password)`, `.log()`. A traceback in
    its log fails the test: a race that ends in a 500 must not pass unseen.
    """
    from tests.concurrency import Gunicorn

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    server = Gunicorn(db_url, instance_dir, tmp_path / "gunicorn.log").start()
    try:
        yield server
    finally:
        server.stop()
    log = server.log()
    assert "Traceback" not in log, log[-6000:]


# --- the skip policy: no silent skips (tests/skip_policy.py) -------------------------------

def pytest_collection_modifyitems(config, items):
    """Mark what a test needs, so `-m "not browser"` and the skip counts see every browser/PostgreSQL test."""
    for item in items:
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgresql)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI, a test skipped because a required part (Chromium, PostgreSQL ...) is missing fails instead."""
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = skip_policy.skip_reason(report)
        part = skip_policy.missing_part(reason)
        report.missing_part = part
        if part and skip_policy.in_ci():
            report.outcome = "failed"
            report.longrepr = skip_policy.ci_failure_message(part, reason)
        elif part:
            # One place for every skip of a part, so `-ra` folds them into one line with a count.
            report.longrepr = (skip_policy.__file__, 0, f"Skipped: {reason}")
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Count tests not run for a missing part in the closing line ('12 browser tests not run')."""
    counts, failed = {}, {}
    for report in terminalreporter.stats.get("skipped", []):
        part = getattr(report, "missing_part", None)
        if part:
            counts.setdefault(part, []).append(report)
    for key in ("failed", "error"):
        for report in terminalreporter.stats.get(key, []):
            part = getattr(report, "missing_part", None)
            if part:
                failed[part] = failed.get(part, 0) + 1
    for part, reports in counts.items():
        label = skip_policy.label_of(part)
        terminalreporter.stats[f"{label} test{'s' if len(reports) != 1 else ''} not run"] = reports
    if failed:
        terminalreporter.write_sep("=", "required parts missing in CI", red=True)
        for part, number in failed.items():
            terminalreporter.write_line(f"{part}: {number} test(s) failed because it is missing. "
                                        f"{skip_policy.HINTS[part]}.", red=True)
