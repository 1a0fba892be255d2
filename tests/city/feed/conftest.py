"""Feed fixtures: the city app on the test's database, served over real HTTP, and an office paired to it.

One database holds both sides in these tests (the office's fed tables and outbox, the city's feed_row):
the schema is the same on both and neither writes the other's tables. The fault harness
(tests/city/harness.py) gives the city and each office their own databases.
"""
import threading

import pytest
from werkzeug.serving import make_server

from kupang.extensions import db
from tests.city.feed.helpers import pair
from tests.conftest import build_app


@pytest.fixture
def city_app(app, db_url, instance_dir, tmp_path):
    """The city server's app (KUPANG_ROLE=city) on the same database."""
    city = build_app(db_url, instance_dir, ROLE="city", RATELIMIT_FILE=str(tmp_path / "city-ratelimit.sqlite3"))
    yield city
    with city.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def city_server(city_app):
    """The city app served by Werkzeug in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, city_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def office(app, city_app, city_server):
    """The office app, paired with the city and pointed at it; returns the office app."""
    app.config.update(CITY_URL=city_server, CITY_TOKEN=pair(city_app))
    return app
