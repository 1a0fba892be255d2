"""The public ticket status page reached from the ticket's QR code: no login, no personal data."""
from flask import render_template
from sqlalchemy import select

from ..extensions import db
from ..security import public
from . import bp
from .kiosk import ticket_facts, wait_label
from .models import Ticket

POLL_SECONDS = 5


def _facts_or_404(token):
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token)) if len(token) <= 64 else None
    return ticket_facts(ticket) if ticket is not None else None


def _not_found():
    return render_template("queue/ticket_unknown.html"), 404


@bp.route("/antrian/<token>")
@public
def ticket_status(token):
    """A resident's ticket: number, service, position, estimated wait, the counter when called."""
    facts = _facts_or_404(token)
    if facts is None:
        return _not_found()
    return render_template("queue/ticket_status.html", facts=facts, wait_label=wait_label, poll=POLL_SECONDS)


@bp.route("/antrian/<token>/status")
@public
def ticket_status_fragment(token):
    """The status block alone, polled by the status page every few seconds."""
    facts = _facts_or_404(token)
    if facts is None:
        return _not_found()
    return render_template("queue/_ticket_status.html", facts=facts, wait_label=wait_label, poll=POLL_SECONDS)
