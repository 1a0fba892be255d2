"""KUPANG_ROLE and the city settings, the city's queue gate, and pairing offices from the command line."""
import hashlib
import re

import pytest
from sqlalchemy import select

from kupang.city.models import CityOffice
from kupang.config import ConfigError
from kupang.extensions import db
from tests.city.feed.helpers import OFFICE
from tests.conftest import build_app


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("ROLE", "kota", "KUPANG_ROLE harus office atau city"),
    ("CITY_URL", "http://kota.kupangkota.go.id", "https"),
    ("CITY_URL", "kota.example", "alamat lengkap"),
    ("CITY_CA", "/tidak/ada.pem", "tidak ada"),
])
def test_bad_city_settings_are_refused_in_indonesian(monkeypatch, tmp_path, name, value, needle):
    monkeypatch.setenv(f"KUPANG_{name}", value)
    with pytest.raises(ConfigError, match=needle):
        build_app(f"sqlite:///{tmp_path}/x.db", tmp_path)


def test_city_settings_are_read(monkeypatch, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    for name, value in (("ROLE", "city"), ("CITY_URL", "https://kota.example/"), ("CITY_TOKEN", "abc"),
                        ("CITY_CA", str(ca))):
        monkeypatch.setenv(f"KUPANG_{name}", value)
    app = build_app(f"sqlite:///{tmp_path}/x.db", tmp_path)
    assert (app.config["ROLE"], app.config["CITY_URL"], app.config["CITY_TOKEN"], app.config["CITY_CA"]) == (
        "city", "https://kota.example", "abc", str(ca))
    monkeypatch.setenv("KUPANG_CITY_URL", "http://127.0.0.1:8000")
    monkeypatch.delenv("KUPANG_ROLE")
    app = build_app(f"sqlite:///{tmp_path}/x.db", tmp_path)
    assert (app.config["ROLE"], app.config["CITY_URL"]) == ("office", "http://127.0.0.1:8000")


@pytest.mark.parametrize("path", ["/kiosk", "/layar", "/loket", "/admin/layanan"])
def test_the_queue_does_not_run_on_the_city_server(city_app, path):
    response = city_app.test_client().get(path)
    assert response.status_code == 404
    assert "Server kota tidak melayani antrian" in response.get_data(as_text=True)


def test_the_queue_runs_on_an_office(client):
    response = client.get("/kiosk")
    assert "Server kota tidak melayani antrian" not in response.get_data(as_text=True)


def test_city_pair_prints_the_token_once_and_stores_only_its_hash(city_app):
    result = city_app.test_cli_runner().invoke(args=["city-pair", OFFICE, "--url", "https://kota.example"])
    assert result.exit_code == 0, result.output
    token = re.search(r"KUPANG_CITY_URL=https://kota\.example KUPANG_CITY_TOKEN=(\S+)", result.output).group(1)
    assert len(token) >= 40 and "Naikoten Dua" in result.output
    with city_app.app_context():
        office = db.session.get(CityOffice, OFFICE)
        assert office.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert (office.name, office.kecamatan_code, office.revoked_at) == ("Naikoten Dua", "53.71.05", None)
    again = city_app.test_cli_runner().invoke(args=["city-pair", OFFICE])
    new_token = re.search(r"KUPANG_CITY_TOKEN=(\S+)", again.output).group(1)
    with city_app.app_context():
        assert db.session.get(CityOffice, OFFICE).token_hash == hashlib.sha256(new_token.encode()).hexdigest()
        assert db.session.scalar(select(db.func.count()).select_from(CityOffice)) == 1


@pytest.mark.parametrize(("code", "needle"), [("53.72.01.1001", "bukan kelurahan Kota Kupang"),
                                              ("53.71.05.9999", "tidak ada"), ("5371051005", "bukan kelurahan")])
def test_city_pair_refuses_what_is_not_a_kelurahan_of_kota_kupang(city_app, code, needle):
    result = city_app.test_cli_runner().invoke(args=["city-pair", code])
    assert result.exit_code != 0 and needle in result.output
    with city_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CityOffice)) == 0


def test_city_revoke_stops_the_token(city_app):
    city_app.test_cli_runner().invoke(args=["city-pair", OFFICE])
    result = city_app.test_cli_runner().invoke(args=["city-revoke", OFFICE])
    assert result.exit_code == 0 and "dicabut" in result.output
    with city_app.app_context():
        office = db.session.get(CityOffice, OFFICE)
        assert office.token_hash is None and office.revoked_at is not None
    unknown = city_app.test_cli_runner().invoke(args=["city-revoke", "53.71.04.1001"])
    assert unknown.exit_code != 0 and "belum dipasangkan" in unknown.output


def test_pairing_commands_are_for_the_city_only(runner):
    result = runner.invoke(args=["city-pair", OFFICE])
    assert result.exit_code != 0 and "KUPANG_ROLE=city" in result.output


def test_city_feed_once_without_settings_says_it_is_off(runner):
    result = runner.invoke(args=["city-feed", "--once"])
    assert result.exit_code == 0 and "tidak diatur" in result.output
