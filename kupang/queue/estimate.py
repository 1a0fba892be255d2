"""How long until a ticket is called, from what is true now: the counters open for its service and its hours.

An estimate needs somebody serving: with no counter open for the service there is no estimate, and the
resident is told so plainly (and when the service opens) instead of "kurang dari 5 menit" for ever.
With counters open, the wait is the time until the first of them is free (a busy counter is expected
to take the service's average) plus the people ahead shared among the open counters.
"""
import math
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..timeutil import now_utc, to_local
from .models import Counter, CounterSession, Ticket, counter_service
from .numbering import average_service_minutes, hours_label, is_open, people_ahead, waiting_count

AT_COUNTER = ("called", "serving")


@dataclass(frozen=True)
class WaitEstimate:
    """Minutes until the call (None when nobody serves the service now) and why."""

    minutes: int | None
    counters: int  # counters open now for the service
    reason: str  # "estimate", "no_counter", "before_hours", "after_hours"
    hours: str  # the service's opening hours, "08.00–15.00 WITA"

    def label(self, short=False):
        """'± 15 menit', 'kurang dari 5 menit', or what stands in for an estimate when nobody serves."""
        if self.minutes is None:
            return "belum ada loket buka" if short else "belum dapat diperkirakan"
        return minutes_label(self.minutes, short)

    @property
    def explanation(self):
        """One plain sentence when there is no estimate (None otherwise)."""
        if self.reason == "before_hours":
            return f"Layanan ini belum buka. Jam layanan {self.hours}; nomor Anda dipanggil setelah loket dibuka."
        if self.reason == "after_hours":
            return (f"Jam layanan sudah berakhir ({self.hours}) dan tidak ada loket yang melayani layanan ini "
                    "sekarang. Tanyakan kepada petugas di kantor.")
        if self.reason == "no_counter":
            return ("Saat ini belum ada loket yang melayani layanan ini. Nomor Anda tetap berlaku dan dipanggil "
                    "setelah petugas membuka loket.")
        return None


def minutes_label(minutes, short=False):
    """'± 15 menit', 'kurang dari 5 menit' (short: '< 5 menit') or '± 1 jam 20 menit'."""
    if minutes < 5:
        return "< 5 menit" if short else "kurang dari 5 menit"
    if minutes < 60:
        return f"± {minutes} menit"
    hours, rest = divmod(minutes, 60)
    return f"± {hours} jam" + (f" {rest} menit" if rest else "")


def serving_counters(service):
    """[(counter id, minutes its current ticket has been at the counter, or None when free)] open for a service."""
    rows = db.session.execute(
        select(CounterSession.counter_id).distinct()
        .join(counter_service, counter_service.c.counter_id == CounterSession.counter_id)
        .join(Counter, Counter.id == CounterSession.counter_id)
        .where(counter_service.c.service_id == service.id, CounterSession.closed_at.is_(None),
               Counter.active.is_(True))).scalars().all()
    if not rows:
        return []
    busy = dict(db.session.execute(
        select(Ticket.counter_id, Ticket.called_at)
        .where(Ticket.counter_id.in_(rows), Ticket.status.in_(AT_COUNTER))).all())
    now = now_utc()
    return [(counter_id, (now - busy[counter_id]).total_seconds() / 60 if busy.get(counter_id) else None)
            for counter_id in rows]


def estimate_wait(service, ahead, at=None):
    """The wait of someone with `ahead` people before them in a service's queue."""
    at = at or now_utc()
    counters = serving_counters(service)
    hours = hours_label(service)
    if not counters:
        if is_open(service, at):
            reason = "no_counter"
        else:
            reason = "before_hours" if to_local(at).time() < service.opens_at else "after_hours"
        return WaitEstimate(None, 0, reason, hours)
    per_ticket = average_service_minutes(service) or service.minutes_per_ticket
    first_free = min(0.0 if busy is None else max(0.0, per_ticket - busy) for _id, busy in counters)
    minutes = math.ceil(first_free + ahead * per_ticket / len(counters))
    return WaitEstimate(minutes, len(counters), "estimate", hours)


def ticket_wait(ticket, at=None):
    """The wait of a waiting ticket (people ahead of it in its service)."""
    return estimate_wait(ticket.service, people_ahead(ticket), at)


def new_ticket_wait(service, waiting=None, at=None):
    """The wait of a ticket taken now (everybody waiting is ahead)."""
    return estimate_wait(service, waiting_count(service) if waiting is None else waiting, at)
