"""Double submits of a survey through a real gunicorn (2 workers x 4 threads), on each database: one response."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from kupang.extensions import db
from kupang.queue.models import Ticket
from kupang.survey.models import SurveyResponse
from kupang.timeutil import now_utc
from tests.concurrency import at_once, double_submit, page_csrf, twin
from tests.queue.core_fixtures import add_service, paired_device
from tests.reports.builders import add_ticket

ALL_THREE = {f"u{n}": "3" for n in range(1, 10)}


def stored(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_ticket_survey_sent_twice_at_once_is_stored_once(app, gunicorn):
    with app.app_context():
        service = add_service("Domisili", "A")
        ticket_id = add_ticket(service, now_utc() - timedelta(minutes=20), wait=5, service=5)
        token = db.session.get(Ticket, ticket_id).token
        db.session.remove()
    path = f"/antrian/{token}/survei"
    client = gunicorn.client()
    csrf = page_csrf(client, path)
    others = [gunicorn.client(), gunicorn.client()]  # two more phones that opened the form too
    tokens = [page_csrf(c, path) for c in others]
    results = double_submit(client, path, {"csrf_token": csrf, **ALL_THREE})
    assert [status for status, _body in results] == [200, 200], results
    assert sum("sudah kami terima" in body for _s, body in results) == 1
    assert sum("sudah diisi" in body for _s, body in results) == 1
    # the other phones send theirs at once afterwards: nothing more is stored
    late = at_once([lambda c=c, t=t: c.post_form(path, {"csrf_token": t, **ALL_THREE})[0]
                    for c, t in zip(others, tokens, strict=True)])
    assert late == [200, 200]
    assert stored(app) == 1


def test_tablet_questionnaire_double_tap_is_stored_once(app, gunicorn):
    with app.app_context():
        add_service("Domisili", "A")
        _device, device_token = paired_device("survey", "Tablet")
        db.session.remove()
    client = gunicorn.client()
    client.cookies["kupang_device"] = device_token
    _status, _headers, body, _wire = client.get("/survei")
    text = body.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
    fields.update(ALL_THREE)
    second = twin(client)
    results = at_once([lambda: client.post_form("/survei/kirim", fields)[0],
                       lambda: second.post_form("/survei/kirim", fields)[0]])
    assert results == [200, 200]
    assert stored(app) == 1
