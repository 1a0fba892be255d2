"""User.area_code: set when creating a city user (CLI and the users page); an office form ignores it."""
from kupang.auth.models import find_user
from tests.conftest import PASSWORD

GOOD = "Kecamatan-Kuat-2026\n"


def test_cli_creates_a_kecamatan_user(app):
    result = app.test_cli_runner().invoke(args=["create-user", "camat.alak", "--role", "supervisor", "--area",
                                                "53.71.01", "--password-stdin"], input=GOOD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert find_user("camat.alak").area_code == "53.71.01"


def test_cli_without_area_sees_the_whole_city(app):
    result = app.test_cli_runner().invoke(args=["create-user", "walikota", "--role", "supervisor",
                                                "--password-stdin"], input=GOOD)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert find_user("walikota").area_code is None


def test_cli_refuses_an_unknown_area(app):
    result = app.test_cli_runner().invoke(args=["create-user", "camat.x", "--role", "supervisor", "--area",
                                                "53.72.01", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0 and "Wilayah 53.72.01 tidak dikenal" in result.output
    with app.app_context():
        assert find_user("camat.x") is None


def test_users_page_on_the_city_sets_the_area(app, client, login_as):
    login_as("admin")
    assert "Wilayah (server kota)" in client.get("/pengguna/baru").get_data(as_text=True)
    response = client.post("/pengguna/baru", data={"username": "camat.oebobo", "full_name": "Camat Oebobo",
                                                   "role": "supervisor", "new_password": PASSWORD + "x",
                                                   "area_code": "53.71.04"})
    assert response.status_code == 303
    with app.app_context():
        assert find_user("camat.oebobo").area_code == "53.71.04"
    assert "wilayah 53.71.04" in client.get("/pengguna").get_data(as_text=True)


def test_office_users_page_has_no_area(office_app):
    from kupang.auth.accounts import create_user
    from kupang.db import write_intent
    from kupang.extensions import db
    from tests.conftest import AuthActions

    with office_app.app_context(), write_intent():
        create_user("admin1", "admin", PASSWORD, must_change=False)
        db.session.commit()
    client = office_app.test_client()
    AuthActions(client).login("admin1")
    assert "Wilayah (server kota)" not in client.get("/pengguna/baru").get_data(as_text=True)
    response = client.post("/pengguna/baru", data={"username": "lurah2", "full_name": "Lurah", "role": "supervisor",
                                                   "new_password": PASSWORD + "x", "area_code": "53.71.04"})
    assert response.status_code == 303
    with office_app.app_context():
        assert find_user("lurah2").area_code is None
