"""Ticket numbering: atomic, gap-free daily numbers per service, waiting counts and wait estimates.

Issuing advances the (service, local day) row of `daily_sequence` and inserts the ticket in one
transaction. On SQLite that transaction must be `BEGIN IMMEDIATE` (every POST request is; a CLI task
or test wraps the call in `kupang.db.write_intent()`), so writers are serialised from their first
statement. On PostgreSQL the sequence row is created with `INSERT ... ON CONFLICT DO NOTHING` and then
locked with `SELECT ... FOR UPDATE`. The unique constraint on (numbered service, day, number) is the
backstop. Functions here add to the current transaction; the caller commits.
"""
import secrets

from sqlalchemy import exists, func, select, update

from ..db import dialect_insert, is_sqlite, lock_for_update, wants_write
from ..extensions import db
from ..timeutil import now_utc, office_today, to_local
from .models import PRIORITIES, Counter, CounterSession, DailySequence, QueueMarker, Ticket, counter_service

OPEN_STATUSES = ("waiting", "called")  # closed as "expired" when their day is over
AVERAGE_OVER = 20  # recent finished tickets that make today's average service time


class QueueError(ValueError):
    """A ticket cannot be issued; the message is Indonesian and fit to show a resident."""

    def __init__(self, message, reason="refused"):
        super().__init__(message)
        self.reason = reason  # "inactive", "closed", "cap", "priority", "clock"


def hours_label(service):
    """'08.00–15.00 WITA' for a service's opening hours."""
    return f"{service.opens_at:%H.%M}–{service.closes_at:%H.%M} WITA"


def is_open(service, at=None):
    """True when the service takes tickets at this UTC instant (active and within its local hours)."""
    if not service.active:
        return False
    local = to_local(at or now_utc()).time()
    return service.opens_at <= local < service.closes_at


def check_can_issue(service, priority=None, at=None):
    """Raise QueueError when a ticket of this service (and priority) cannot be issued at this instant."""
    if not service.active:
        raise QueueError(f"Layanan {service.name} sedang tidak tersedia.", "inactive")
    if not is_open(service, at):
        raise QueueError(
            f"Layanan {service.name} hanya melayani pukul {hours_label(service)}. "
            "Silakan datang kembali pada jam layanan.", "closed")
    if priority is not None:
        if priority not in PRIORITIES:
            raise QueueError("Jenis antrian prioritas tidak dikenal.", "priority")
        if not service.allow_priority:
            raise QueueError(f"Layanan {service.name} tidak menyediakan antrian prioritas. "
                             "Silakan ambil nomor antrian umum.", "priority")


def format_code(prefix, number):
    """'A-001' (four digits and more once a day passes 999 tickets)."""
    return f"{prefix}-{number:03d}"


def lock_sequence(service_id, day):
    """The day's sequence row for a service, created when missing and locked for this transaction."""
    stmt = dialect_insert(DailySequence.__table__).values(service_id=service_id, day=day, last_number=0)
    stmt = stmt.on_conflict_do_nothing().returning(DailySequence.__table__.c.day)
    created = db.session.execute(stmt).first() is not None
    query = select(DailySequence).where(DailySequence.service_id == service_id, DailySequence.day == day)
    row = db.session.scalars(lock_for_update(query).execution_options(populate_existing=True)).one()
    return row, created


def _check_clock(service, sequence, at):
    later_day = db.session.scalar(select(exists().where(
        DailySequence.service_id == service.id, DailySequence.day > sequence.day)))
    if later_day or (sequence.last_issued_at is not None and at < sequence.last_issued_at):
        last = sequence.last_issued_at
        when = f" ({to_local(last):%d-%m-%Y %H.%M.%S})" if last and not later_day else ""
        raise QueueError(
            "Jam komputer server lebih awal dari nomor terakhir yang sudah dikeluarkan"
            f"{when}. Nomor tidak dikeluarkan agar tidak ada nomor ganda; minta petugas memeriksa jam server.",
            "clock")


def issue_ticket(service, *, priority=None, device=None, user=None, at=None, nonce=None) -> Ticket:
    """Issue the next number of a service for the local day of `at` (UTC, now by default).

    Adds the ticket and the advanced sequence to the current (write) transaction; the caller commits.
    Raises QueueError when the service is inactive or closed, the daily cap is reached, the priority
    is not allowed, or the clock reads earlier than the last issued ticket.
    """
    if is_sqlite() and not wants_write():
        raise RuntimeError("issue_ticket needs a write transaction: a POST request or kupang.db.write_intent()")
    fresh_clock = at is None
    at = at or now_utc()
    priority = priority or None
    check_can_issue(service, priority, at)
    day = office_today(at)
    sequence, first_of_day = lock_sequence(service.id, day)
    if fresh_clock:
        # Read the clock again once the lock is held: a writer that waited must not stamp its ticket
        # earlier than the one issued while it waited.
        at = max(at, now_utc())
    _check_clock(service, sequence, at)
    if service.daily_cap is not None and sequence.last_number >= service.daily_cap:
        raise QueueError(
            f"Kuota antrian {service.name} hari ini sudah habis ({service.daily_cap} nomor). "
            "Silakan datang kembali pada hari kerja berikutnya.", "cap")
    if first_of_day:
        expire_waiting_tickets(day)
    sequence.last_number += 1
    sequence.last_issued_at = at
    ticket = Ticket(
        numbered_service_id=service.id, service_id=service.id, day=day, number=sequence.last_number,
        code=format_code(service.prefix, sequence.last_number), priority=priority, status="waiting",
        token=secrets.token_urlsafe(32), issued_at=at, call_count=0, note="",
        issued_by_device_id=getattr(device, "id", None), issued_by_user_id=getattr(user, "id", None),
        issue_nonce=nonce,
    )
    db.session.add(ticket)
    db.session.flush()
    bump_marker()
    return ticket


def bump_marker():
    """Tell displays the queue changed: increment the single marker row in the current transaction.

    Call it last in a transaction (after any ticket row locks), so PostgreSQL row locks are always
    taken in the same order.
    """
    table = QueueMarker.__table__
    stmt = dialect_insert(table).values(id=1, version=1, changed_at=now_utc())
    # An upsert: the row exists after migrations, but an emptied table must not stop the queue.
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={"version": table.c.version + 1, "changed_at": stmt.excluded.changed_at}))


# Built once: an unchanged display poll runs this and nothing else besides the device check.
_MARKER_READ = select(QueueMarker.__table__.c.version).where(QueueMarker.__table__.c.id == 1)


def marker_version():
    """The queue marker's version: one primary-key read at the Core level (0 before the first change)."""
    return db.session.connection().execute(_MARKER_READ).scalar() or 0


def call_order():
    """The order tickets are called in: priority tickets first, then by issue time."""
    return (Ticket.priority.is_(None), Ticket.issued_at, Ticket.id)


def waiting_count(service, day=None):
    """How many tickets of a service wait on a local day (today by default)."""
    return db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.day == (day or office_today()), Ticket.status == "waiting",
        Ticket.service_id == _id(service))) or 0


def waiting_counts(day=None):
    """{service_id: waiting tickets} for a local day (today by default), in one query."""
    rows = db.session.execute(
        select(Ticket.service_id, func.count()).where(Ticket.day == (day or office_today()),
                                                      Ticket.status == "waiting")
        .group_by(Ticket.service_id)).all()
    return dict(rows)


def people_ahead(ticket):
    """How many waiting tickets of the same service will be called before this one (0 once called)."""
    if ticket.status != "waiting":
        return 0
    earlier = (Ticket.issued_at < ticket.issued_at) | ((Ticket.issued_at == ticket.issued_at)
                                                        & (Ticket.id < ticket.id))
    if ticket.priority is None:
        ahead = Ticket.priority.is_not(None) | earlier
    else:
        ahead = Ticket.priority.is_not(None) & earlier
    return db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.day == ticket.day, Ticket.status == "waiting", Ticket.service_id == ticket.service_id,
        Ticket.id != ticket.id, ahead)) or 0


def average_service_minutes(service, day=None):
    """Average minutes per ticket over today's recently finished tickets, or None before the first."""
    rows = db.session.execute(
        select(Ticket.started_at, Ticket.finished_at).where(
            Ticket.day == (day or office_today()), Ticket.service_id == _id(service),
            Ticket.status == "done", Ticket.started_at.is_not(None), Ticket.finished_at.is_not(None))
        .order_by(Ticket.finished_at.desc()).limit(AVERAGE_OVER)).all()
    spans = [(end - start).total_seconds() for start, end in rows if end >= start]
    if not spans:
        return None
    return sum(spans) / len(spans) / 60


def open_counter_count(service):
    """Active counters serving this service that a clerk has open right now."""
    return db.session.scalar(
        select(func.count(func.distinct(CounterSession.counter_id)))
        .join(counter_service, counter_service.c.counter_id == CounterSession.counter_id)
        .join(Counter, Counter.id == CounterSession.counter_id)
        .where(counter_service.c.service_id == _id(service), CounterSession.closed_at.is_(None),
               Counter.active.is_(True))) or 0


def estimated_wait_minutes(target):
    """Estimated minutes until a ticket (or a ticket taken now for a service) is called."""
    if isinstance(target, Ticket):
        service, ahead = target.service, people_ahead(target)
        if target.status != "waiting":
            return 0
    else:
        service, ahead = target, waiting_count(target)
    per_ticket = average_service_minutes(service) or service.minutes_per_ticket
    counters = max(open_counter_count(service), 1)
    return int(-(-ahead * per_ticket // counters))  # round up


def expire_waiting_tickets(before_day):
    """Close tickets still waiting or called from days before `before_day` as expired; returns how many."""
    result = db.session.execute(
        update(Ticket).where(Ticket.day < before_day, Ticket.status.in_(OPEN_STATUSES))
        .values(status="expired").execution_options(synchronize_session=False))
    if result.rowcount:
        bump_marker()
    return result.rowcount


def _id(service):
    return service if isinstance(service, int) else service.id

