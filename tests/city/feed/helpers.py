"""Helpers the feed tests share: rows in every fed table of an office, the outbox, a paired city."""
from datetime import date

from sqlalchemy import select, text

from kupang.city.feed.pairing import pair_office
from kupang.city.models import FeedOutbox
from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.numbering import issue_ticket
from kupang.registry.models import ResidentEvent
from kupang.survey.models import SurveyResponse
from tests.letters.fixtures import draft, letters_office
from tests.queue.core_fixtures import add_service
from tests.registry.family_fixtures import standard_family

OFFICE = "53.71.05.1005"  # the test office (KUPANG_KELURAHAN's default)


def fill_office(app, families=1, tickets=2):
    """A family of four, an event, tickets, a letter draft and a survey answer; returns {table: [ids]}."""
    ids = {"family": [], "resident": [], "resident_event": [], "ticket": [], "letter": [], "survey_response": []}
    for serial in range(1, families + 1):
        family_id, people = standard_family(app, serial=serial)
        ids["family"].append(family_id)
        ids["resident"].extend(people.values())
    with app.app_context(), write_intent():
        service_id = add_service(prefix="A")
        head = ids["resident"][0]
        event = ResidentEvent(resident_id=head, kind="pindah_datang", event_date=date(2026, 11, 2), note="datang")
        db.session.add(event)
        from kupang.queue.models import Service

        service = db.session.get(Service, service_id)
        for _ in range(tickets):
            ids["ticket"].append(issue_ticket(service).id)
        survey = SurveyResponse(kelurahan_code=OFFICE, day=date(2026, 11, 2), channel="tablet", service_id=service_id,
                                **{f"u{i}": 4 for i in range(1, 10)})
        db.session.add(survey)
        db.session.commit()
        ids["resident_event"].append(event.id)
        ids["survey_response"].append(survey.id)
    types, _signatory = letters_office(app)
    ids["letter"].append(draft(app, next(iter(types)), ids["resident"][0]))
    return ids


def outbox(app):
    """[(table, row_id, op)] of the office's outbox in seq order."""
    with app.app_context():
        rows = db.session.execute(select(FeedOutbox.table_name, FeedOutbox.row_id, FeedOutbox.op).order_by(
            FeedOutbox.seq)).all()
        db.session.rollback()
    return [tuple(row) for row in rows]


def clear_outbox(app):
    """Empty the outbox (its seq numbering goes on)."""
    with app.app_context(), write_intent():
        db.session.execute(text("DELETE FROM feed_outbox"))
        db.session.commit()


def pair(city_app, code=OFFICE):
    """Pair an office at the city; returns its token."""
    with city_app.app_context(), write_intent():
        _office, token = pair_office(code)
        db.session.commit()
    return token
