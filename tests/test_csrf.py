"""CSRF protection switched on: forms, htmx headers, forged and missing tokens, no expiry."""
import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.auth.models import User, find_user
from kupang.extensions import db
from kupang.security import LoginThrottle
from tests.conftest import PASSWORD

REFUSED = "Formulir sudah tidak berlaku atau tidak sah."


@pytest.fixture
def csrf_app(app):
    """The app with CSRF enforced, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def body(response):
    """Response text."""
    return response.get_data(as_text=True)


def form_token(response):
    """The hidden csrf_token field of a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body(response)).group(1)


def header_token(response):
    """The token htmx sends, from <body hx-headers>."""
    return re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', body(response)).group(1)


def counts(app):
    """Rows in the tables a refused request must not touch."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (User, AuditLog, LoginThrottle))


def login(client, username="admin1"):
    """Log in through the form, token included."""
    token = form_token(client.get("/masuk"))
    response = client.post("/masuk", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 302, body(response)


def test_config_has_no_token_time_limit(csrf_app):
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] is None


@pytest.mark.parametrize("token", [None, "", "palsu", "ImFiYyI.ZZZZZZ.forged-signature"])
def test_login_without_valid_token_is_refused(csrf_app, make_user, token):
    make_user("clerk", "budi")
    client = csrf_app.test_client()
    client.get("/masuk")
    before = counts(csrf_app)
    data = {"username": "budi", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/masuk", data=data)
    assert response.status_code == 400
    assert REFUSED in body(response) and "CSRF token" not in body(response)
    assert counts(csrf_app) == before
    assert client.get("/").status_code == 302  # not logged in


def test_login_with_token_works(csrf_app, make_user):
    make_user("clerk", "budi")
    client = csrf_app.test_client()
    login(client, "budi")
    assert client.get("/").status_code == 200


def test_token_of_another_session_is_refused(csrf_app, make_user):
    make_user("clerk", "budi")
    other = csrf_app.test_client()
    stolen = form_token(other.get("/masuk"))
    client = csrf_app.test_client()
    client.get("/masuk")
    response = client.post("/masuk", data={"csrf_token": stolen, "username": "budi", "password": PASSWORD})
    assert response.status_code == 400


def test_state_change_without_token_changes_nothing(csrf_app, make_user):
    make_user("admin", "admin1")
    client = csrf_app.test_client()
    login(client)
    before = counts(csrf_app)
    created = client.post("/pengguna/baru", data={"username": "budi", "full_name": "Budi", "role": "clerk",
                                                  "new_password": "Sementara-Baru-42"})
    assert created.status_code == 400 and REFUSED in body(created)
    everywhere = client.post("/keluar-semua", data={"csrf_token": "palsu"})
    assert everywhere.status_code == 400
    assert counts(csrf_app) == before
    with csrf_app.app_context():
        assert find_user("admin1").session_epoch == 0
    assert client.get("/").status_code == 200


def test_htmx_post_with_header_token_succeeds(csrf_app, make_user):
    make_user("admin", "admin1")
    client = csrf_app.test_client()
    login(client)
    token = header_token(client.get("/pengguna/baru"))
    response = client.post("/pengguna/baru", headers={"HX-Request": "true", "X-CSRFToken": token},
                           data={"username": "budi", "full_name": "Budi", "role": "clerk",
                                 "new_password": "Sementara-Baru-42"})
    assert response.status_code == 303
    with csrf_app.app_context():
        assert find_user("budi") is not None


def test_htmx_post_with_bad_header_gets_an_indonesian_fragment(csrf_app, make_user):
    make_user("admin", "admin1")
    client = csrf_app.test_client()
    login(client)
    response = client.post("/keluar-semua", headers={"HX-Request": "true", "X-CSRFToken": "palsu"})
    assert response.status_code == 400
    assert REFUSED in body(response) and "<html" not in body(response)


def test_token_does_not_expire(csrf_app, make_user, monkeypatch):
    """A counter page left open all day still submits (11 hours: inside the 12-hour session, past 1 hour)."""
    make_user("clerk", "budi")
    client = csrf_app.test_client()
    token = form_token(client.get("/masuk"))
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) + 11 * 3600)
    response = client.post("/masuk", data={"csrf_token": token, "username": "budi", "password": PASSWORD})
    assert response.status_code == 302


def test_get_requests_need_no_token(csrf_app, make_user):
    make_user("admin", "admin1")
    client = csrf_app.test_client()
    login(client)
    assert client.get("/audit", query_string={"aksi": "login"}).status_code == 200
