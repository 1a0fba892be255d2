"""The survey: the tablet in survey mode (one question per screen), the form behind a finished ticket, reports."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kupang.extensions import db
from kupang.survey.models import SurveyResponse
from kupang.timeutil import now_utc
from tests.queue.core_fixtures import add_service, paired_device
from tests.reports.builders import add_ticket

ALL_FOUR = {f"u{n}": "4" for n in range(1, 10)}


def responses(app):
    with app.app_context():
        return db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()


@pytest.fixture
def service(app):
    with app.app_context():
        return add_service("Surat Keterangan Domisili", "B")


@pytest.fixture
def tablet(app, client, service):
    with app.app_context():
        _device_id, token = paired_device("survey", "Tablet survei")
    client.set_cookie("kupang_device", token)
    return client


def hidden(text):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))


def test_tablet_walks_one_question_per_screen_and_stores_once(app, tablet, service):
    start = tablet.get("/survei").get_data(as_text=True)
    assert "Mulai survei" in start and "Tanpa nama, tanpa NIK" in start
    fields = hidden(start)
    page = tablet.post("/survei/isi", data=fields).get_data(as_text=True)
    assert "Layanan apa yang Anda terima" in page and "Surat Keterangan Domisili" in page
    page = tablet.post("/survei/isi", data={**hidden(page), "service": str(service)}).get_data(as_text=True)
    for number in range(1, 10):
        assert f"Pertanyaan {number} dari 9" in page
        assert 'http-equiv="refresh"' in page and 'url=/survei"' in page  # starts over by itself when left
        page = tablet.post("/survei/isi", data={**hidden(page), f"u{number}": str(1 + number % 4)}).get_data(
            as_text=True)
    assert "Tentang Anda" in page and "Kirim" in page
    final = {**hidden(page), "sex": "P", "age_band": "30-39", "comment": "Ruang tunggu panas"}
    thanks = tablet.post("/survei/kirim", data=final)
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    again = tablet.post("/survei/kirim", data=final)  # a double tap
    assert again.status_code == 200
    stored = responses(app)
    assert len(stored) == 1
    r = stored[0]
    assert (r.u1, r.u4, r.u9) == (2, 1, 2) and r.sex == "P" and r.comment == "Ruang tunggu panas"
    assert r.channel == "tablet" and r.service_id == service and r.kelurahan_code == "53.71.05.1005"
    assert r.ticket_id is None


def test_tablet_goes_back_and_refuses_a_gap(app, tablet):
    start = hidden(tablet.get("/survei").get_data(as_text=True))
    page = tablet.post("/survei/isi", data={**start, "at": "0", "nav": "skip"}).get_data(as_text=True)
    assert "Pertanyaan 1 dari 9" in page
    back = tablet.post("/survei/isi", data={**hidden(page), "nav": "back"}).get_data(as_text=True)
    assert "Layanan apa" in back
    skipping = tablet.post("/survei/isi", data={**start, "at": "5", "u1": "3"}).get_data(as_text=True)
    assert "Pertanyaan 2 dari 9" in skipping  # cannot jump past an unanswered question
    short = tablet.post("/survei/kirim", data={**start, "u1": "4"})
    assert short.status_code == 400 and "8 belum dijawab" in short.get_data(as_text=True)
    assert responses(app) == []
    assert tablet.post("/survei/kirim", data={**ALL_FOUR, "nonce": "bad"}).status_code == 400
    assert responses(app) == []


def test_tablet_pages_need_a_survey_device(app, client, service):
    assert client.get("/survei").status_code == 302  # to pairing
    with app.app_context():
        _id, token = paired_device("kiosk", "Kiosk")
    client.set_cookie("kupang_device", token)
    assert client.get("/survei").status_code == 403


@pytest.fixture
def finished(app, service):
    with app.app_context():
        done = add_ticket(service, now_utc() - timedelta(minutes=30), wait=10, service=5)
        waiting = add_ticket(service, now_utc() - timedelta(minutes=5), status="waiting")
        old = add_ticket(service, now_utc() - timedelta(days=20), wait=1, service=1)
        from kupang.queue.models import Ticket

        return {name: db.session.get(Ticket, ident).token for name, ident in
                (("done", done), ("waiting", waiting), ("old", old))}


def test_status_page_links_to_the_survey_once_finished(client, finished):
    done = client.get(f"/antrian/{finished['done']}").get_data(as_text=True)
    assert f'href="/antrian/{finished["done"]}/survei"' in done and "Isi survei kepuasan" in done
    waiting = client.get(f"/antrian/{finished['waiting']}").get_data(as_text=True)
    assert "/survei" not in waiting


def test_ticket_survey_one_response_per_ticket(app, client, finished, service):
    url = f"/antrian/{finished['done']}/survei"
    form = client.get(url).get_data(as_text=True)
    assert "Sembilan pertanyaan, tanpa nama" in form and form.count('type="radio"') == 36
    assert "NIK" not in form.replace("tanpa NIK", "")
    missing = client.post(url, data={"u1": "4"})
    assert missing.status_code == 400 and "belum dijawab" in missing.get_data(as_text=True)
    assert 'value="4" required checked' in missing.get_data(as_text=True)  # what was chosen stays chosen
    assert responses(app) == []
    first = client.post(url, data={**ALL_FOUR, "occupation": "swasta", "comment": "=cmd|' /C calc'!A0"})
    assert first.status_code == 200 and "sudah kami terima" in first.get_data(as_text=True)
    second = client.post(url, data={**ALL_FOUR, "u1": "1"})
    assert second.status_code == 200 and "sudah diisi" in second.get_data(as_text=True)
    assert "sudah diisi" in client.get(url).get_data(as_text=True)
    stored = responses(app)
    assert len(stored) == 1 and stored[0].u1 == 4 and stored[0].channel == "tiket"
    assert stored[0].service_id == service and stored[0].occupation == "swasta"


def test_unfinished_old_and_unknown_tickets_take_no_survey(app, client, finished):
    assert client.get(f"/antrian/{finished['waiting']}/survei").status_code == 409
    assert client.post(f"/antrian/{finished['waiting']}/survei", data=ALL_FOUR).status_code == 409
    assert client.post(f"/antrian/{finished['old']}/survei", data=ALL_FOUR).status_code == 409
    assert client.get("/antrian/tidak-ada/survei").status_code == 404
    assert client.get("/antrian/" + "x" * 80 + "/survei").status_code == 404
    assert responses(app) == []


def test_skm_report_reads_the_answers(app, client, login_as, finished):
    client.post(f"/antrian/{finished['done']}/survei", data={**ALL_FOUR, "u4": "2"})
    login_as("supervisor")
    text = client.get("/laporan/skm").get_data(as_text=True)
    # NRR 4 for eight elements and 2 for one: (32 + 2) / 9 x 25 = 94,44 -> A
    assert 'id="nilai-skm">94,44<' in text and "Sangat baik" in text
    assert "Sampel minimum" in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
