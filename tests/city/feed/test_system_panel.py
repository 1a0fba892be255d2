"""/admin/sistem's "Kiriman ke server kota" panel: off, or the city's host, last push, waiting, last error."""
from datetime import datetime

from kupang.city.feed.push import push_until_drained
from kupang.db import write_intent
from kupang.extensions import db
from tests.city.feed.helpers import fill_office
from tests.concurrency import free_port


def panel(client):
    """The feed panel's text on the system page."""
    html = client.get("/admin/sistem").get_data(as_text=True)
    start = html.index('id="kiriman-kota"')
    return html[start:html.index("</section>", start)]


def test_panel_says_off_without_settings(client, login_as):
    login_as("admin")
    assert "Mati" in panel(client)


def test_panel_shows_host_last_push_and_nothing_waiting(office, client, login_as):
    fill_office(office)
    with office.app_context():
        push_until_drained()
    login_as("admin")
    text = panel(client)
    host = office.config["CITY_URL"].removeprefix("http://")
    assert f"<code>{host}</code>" in text and "WITA" in text and "belum pernah" not in text
    assert "<dt>Perubahan menunggu</dt><dd>0</dd>" in text and "Galat terakhir" not in text


def test_panel_shows_waiting_changes_the_error_and_the_next_attempt(app, client, login_as):
    fill_office(app)
    app.config.update(CITY_URL=f"http://127.0.0.1:{free_port()}", CITY_TOKEN="x")
    with app.app_context():
        push_until_drained()
        with write_intent():
            from kupang.city.models import FeedState

            db.session.get(FeedState, 1).next_attempt_at = datetime(2026, 12, 1, 2, 30)
            db.session.commit()
    login_as("admin")
    text = panel(client)
    assert "belum pernah" in text and "Server kota tidak dapat dihubungi" in text
    assert "1 Desember 2026 10:30 WITA" in text and "gagal 1 kali" in text
    assert "<dt>Perubahan menunggu</dt><dd>0</dd>" not in text


def test_panel_on_the_city_server(city_app, make_user):
    client = city_app.test_client()
    make_user("admin", "admin1")
    client.post("/masuk", data={"username": "admin1", "password": "Rahasia-Kuat-123"})
    assert "Server kota: kantor kelurahan mengirim" in panel(client)
