"""Storing a questionnaire: from the tablet (once per nonce) or from a finished ticket (once per ticket)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import now_utc, office_today
from .elements import ELEMENT_KEYS, clean_answers, clean_comment, clean_profile
from .models import SurveyResponse

# A ticket's survey stays open this long after the ticket was finished.
TICKET_SURVEY_DAYS = 14
MISSING_MESSAGE = "Mohon jawab semua pertanyaan ({missing} belum dijawab)."


class SurveyError(ValueError):
    """A questionnaire that cannot be stored; the message is Indonesian."""


def ticket_open_for_survey(ticket, now=None):
    """Whether a ticket may be rated now: finished (done), and not longer ago than TICKET_SURVEY_DAYS."""
    if ticket is None or ticket.status != "done" or ticket.finished_at is None:
        return False
    return (now or now_utc()) - ticket.finished_at <= timedelta(days=TICKET_SURVEY_DAYS)


def response_for_ticket(ticket_id):
    """The response already given for a ticket, or None."""
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.ticket_id == ticket_id))


def response_for_nonce(nonce):
    """The response already stored for a tablet form nonce, or None."""
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.nonce == nonce))


def build_response(form, *, channel, service_id=None, ticket_id=None, device_id=None, nonce=None):
    """A SurveyResponse from the submitted fields; raises SurveyError when an element is unanswered."""
    answers, missing = clean_answers(form)
    if missing:
        raise SurveyError(MISSING_MESSAGE.format(missing=len(missing)))
    now = now_utc()
    return SurveyResponse(
        kelurahan_code=current_app.config["KELURAHAN_CODE"], submitted_at=now, day=office_today(now),
        channel=channel, service_id=service_id, ticket_id=ticket_id, device_id=device_id, nonce=nonce,
        comment=clean_comment(form.get("comment")), **answers, **clean_profile(form))


def save_once(response, existing):
    """Insert the response unless `existing()` finds the same one; returns (response, created).

    On SQLite the POST already holds the write lock, so the check sees a twin's row; on PostgreSQL a twin
    committed between check and insert trips the unique constraint, and the stored row is returned.
    """
    found = existing()
    if found is not None:
        return found, False
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = existing()
        if found is None:
            raise
        return found, False
    return response, True


def answers_of(response):
    """The nine answers of a stored response, in element order."""
    return [getattr(response, key) for key in ELEMENT_KEYS]
