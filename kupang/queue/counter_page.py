"""What the counter page shows (/loket): the current ticket, where it can be transferred, waiting, figures.

Plain functions the counter views call; no HTTP here.
"""
from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..registry.masking import mask_nik
from ..timeutil import now_utc, office_today
from . import calling, serving_links
from .display import current_token
from .models import PRIORITIES, TICKET_STATUS, Service, Ticket


@dataclass
class TransferChoice:
    """A service a ticket can go to, and who would call it there."""

    service: Service
    note: str  # "loket 3 (buka)", "tetap di loket ini", "belum ada loket"
    possible: bool


def active_services():
    """Active services in letter order."""
    return db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.prefix)).all()


def transfer_choices(ticket, counter, services=None):
    """Every other active service, each with the counters that serve it (a service nobody serves is shown, off)."""
    choices = []
    serving_by_service = calling.counters_by_service()
    for service in active_services() if services is None else services:
        if service.id == ticket.service_id:
            continue
        serving = serving_by_service.get(service.id, [])
        if any(c.id == counter.id for c, _open in serving):
            note = "tetap di loket ini"
        elif serving:
            note = ", ".join(f"loket {c.number} ({'buka' if is_open else 'tutup'})" for c, is_open in serving)
        else:
            note = "belum ada loket yang melayani"
        choices.append(TransferChoice(service, note, bool(serving)))
    return choices


def last_ticket(counter):
    """The ticket this counter finished (or marked absent) last today, or None."""
    return db.session.scalar(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.day == office_today(),
                             Ticket.status.in_(("done", "no_show")))
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc()).limit(1))


def counter_context(counter):
    """Everything the counter page and its fragments show for one counter."""
    ticket = calling.current_ticket(counter)
    services = active_services()  # read once for the transfer choices, the waiting counts and the walk-in form
    return {
        "counter": counter,
        "ticket": ticket,
        "last_ticket": None if ticket else last_ticket(counter),
        "now": now_utc(),
        "priorities": PRIORITIES,
        "mask_nik": mask_nik,
        "status_labels": TICKET_STATUS,
        "targets": transfer_choices(ticket, counter, services) if ticket else [],
        "serving_links": serving_links.collect(ticket),
        "no_show_ready": bool(ticket and ticket.status == "called" and ticket.call_count > 1),
        **waiting_context(counter, services),
        **stats_context(counter),
        **walkin_context(counter, services),
    }


def waiting_context(counter, services=None):
    """Waiting counts: this counter's services in letter order, the others apart; the poll's change token."""
    counts = calling.waiting_by_service()
    own_ids = {s.id for s in counter.services}
    services = active_services() if services is None else services
    own = [(s, counts.get(s.id, 0)) for s in services if s.id in own_ids]
    others = [(s, counts.get(s.id, 0)) for s in services if s.id not in own_ids]
    return {"waiting_own_rows": own, "waiting_other_rows": others, "waiting_token": current_token(),
            "waiting_own": sum(count for _s, count in own), "waiting_other": sum(count for _s, count in others)}


def stats_context(counter):
    """Today's figures for this counter and for this clerk; one block when both say the same."""
    counter_stats = calling.counter_stats(counter=counter)
    clerk_stats = calling.counter_stats(clerk=current_user)
    blocks = [(f"Loket {counter.number} · Anda", counter_stats)] if counter_stats == clerk_stats else [
        (f"Loket {counter.number}", counter_stats), ("Anda (semua loket)", clerk_stats)]
    return {"counter_stats": counter_stats, "clerk_stats": clerk_stats, "stats_blocks": blocks}


def walkin_context(counter, services=None):
    """The walk-in form's services: this counter's first, then the others, each in letter order."""
    own_ids = {s.id for s in counter.services}
    services = active_services() if services is None else services
    return {"walkin_services": [s for s in services if s.id in own_ids] + [s for s in services if s.id not in own_ids],
            "walkin_own": own_ids}
