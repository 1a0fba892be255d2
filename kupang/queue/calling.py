"""Counter rules: open and close a counter, call, recall, serve, finish, no-show, transfer, stats.

Every function works in the caller's transaction and never commits: a POST request already runs
in a write transaction (BEGIN IMMEDIATE on SQLite), and the view commits once the action and its
audit row are both in place. Each change of queue state bumps the queue marker, so a display
poll sees it within a second.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..timeutil import now_utc, office_today
from .models import TICKET_STATUS, Call, Counter, CounterSession, Ticket, counter_service
from .numbering import QueueError, bump_marker

ACTIVE = ("called", "serving")
# A ticket whose holder did not come may be marked absent only after at least one recall: the recall
# is the second, audible chance the resident gets (a time limit alone could drop someone who never
# heard the single call while away for a moment).
RECALLS_BEFORE_NO_SHOW = 1
NOTE_MAX = 500
CLAIM_ATTEMPTS = 20


def _changed():
    """Write this transaction's row changes, then bump the marker last.

    PostgreSQL locks are then always taken in one order (counter, tickets, marker): a finish that
    held the marker while its ticket UPDATE waited for a claimer that wanted the marker deadlocked.
    """
    db.session.flush()
    bump_marker()


# --- counter sessions ------------------------------------------------------------------------


def open_session(user):
    """The counter session this user has open, or None."""
    return db.session.scalar(
        select(CounterSession).where(CounterSession.user_id == user.id, CounterSession.closed_at.is_(None))
        .order_by(CounterSession.id.desc()).limit(1))


def counter_holder(counter):
    """The open session at this counter, or None."""
    return db.session.scalar(
        select(CounterSession).where(CounterSession.counter_id == counter.id, CounterSession.closed_at.is_(None))
        .order_by(CounterSession.id.desc()).limit(1))


def open_counter(counter, user, *, at=None):
    """Start this user's working session at a counter; a clerk works at one counter at a time.

    A session another clerk left open on an earlier day is closed; one open today by somebody else
    refuses, so two clerks never share a counter without knowing it.
    """
    at = at or now_utc()
    if not counter.active:
        raise QueueError(f"Loket {counter.number} tidak aktif.")
    holder = counter_holder(counter)
    if holder is not None and holder.user_id != user.id:
        if office_today(holder.opened_at) == office_today(at):
            raise QueueError(f"Loket {counter.number} sedang dibuka oleh petugas lain. "
                             "Minta petugas itu menutupnya dahulu.")
        holder.closed_at = at
    current = open_session(user)
    if current is not None and current.counter_id == counter.id:
        return current
    if current is not None:
        close_counter(current.counter, user, at=at)
    session = CounterSession(counter_id=counter.id, user_id=user.id, opened_at=at)
    db.session.add(session)
    db.session.flush()
    _changed()
    return session


def close_counter(counter, user, *, at=None):
    """End this user's session at a counter; refused while a ticket is still being called or served."""
    session = db.session.scalar(
        select(CounterSession).where(CounterSession.counter_id == counter.id,
                                     CounterSession.user_id == user.id, CounterSession.closed_at.is_(None)))
    if session is None:
        raise QueueError(f"Loket {counter.number} tidak sedang Anda buka.")
    ticket = current_ticket(counter)
    if ticket is not None:
        raise QueueError(f"Nomor {ticket.code} masih di loket ini. Selesaikan, tandai tidak hadir, "
                         "atau kembalikan ke antrian sebelum menutup loket.")
    session.closed_at = at or now_utc()
    _changed()
    return session


def require_session(counter, user):
    """Raise unless this user has the counter open."""
    session = open_session(user)
    if session is None or session.counter_id != counter.id:
        raise QueueError(f"Buka loket {counter.number} terlebih dahulu.")
    return session


# --- calling ---------------------------------------------------------------------------------


def current_ticket(counter):
    """The ticket this counter is calling or serving now, or None."""
    return db.session.scalar(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(1))


def next_ticket_query(counter, day):
    """The id of the ticket this counter should call next: priority first, then by issue time."""
    # An alias, so the subquery never correlates with the UPDATE of the same table.
    candidate = aliased(Ticket)
    served = select(counter_service.c.service_id).where(counter_service.c.counter_id == counter.id)
    return (
        select(candidate.id)
        .where(candidate.day == day, candidate.status == "waiting", candidate.service_id.in_(served))
        .order_by(case((candidate.priority.is_(None), 1), else_=0), candidate.issued_at, candidate.id)
        .limit(1)
    )


def call_next_ticket(counter, user, *, at=None):
    """Call the next waiting ticket to this counter; returns it, or None when nobody waits.

    While the counter still has a called or serving ticket, that ticket is returned instead of a
    new one, so a double click never skips anybody. The claim is one conditional UPDATE: when
    another counter took the same ticket first, no row changes and the next candidate is tried.
    """
    return call_next(counter, user, at=at)[0]


def call_next(counter, user, *, at=None):
    """(ticket or None, True when this call claimed it): what call_next_ticket does, saying whether it called.

    The answer comes from inside the counter's lock, so of two identical clicks only one reads True.
    """
    at = at or now_utc()
    locked = _lock_counter(counter)
    require_session(locked, user)
    existing = current_ticket(locked)
    if existing is not None:
        return existing, False
    day = office_today(at)
    for _attempt in range(CLAIM_ATTEMPTS):
        candidate = next_ticket_query(locked, day).scalar_subquery()
        claimed = db.session.execute(
            update(Ticket)
            .where(Ticket.id == candidate, Ticket.status == "waiting")
            .values(status="called", counter_id=locked.id, clerk_id=user.id, called_at=at,
                    call_count=Ticket.call_count + 1, version=Ticket.version + 1)
            .returning(Ticket.id)
            .execution_options(synchronize_session=False)
        ).scalar()
        if claimed is not None:
            ticket = db.session.get(Ticket, claimed, populate_existing=True)
            _announce(ticket, at, is_recall=False)
            return ticket, True
        if db.session.scalar(next_ticket_query(locked, day)) is None:
            return None, False
    raise QueueError("Antrian sedang sibuk. Coba tekan Panggil berikutnya sekali lagi.")


def _lock_counter(counter):
    """Serialise actions of one counter (PostgreSQL row lock; SQLite's write lock already does)."""
    stmt = select(Counter).where(Counter.id == counter.id)
    if db.engine.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def _announce(ticket, at, *, is_recall):
    db.session.add(Call(ticket_id=ticket.id, counter_id=ticket.counter_id, called_at=at, is_recall=is_recall))
    _changed()


def _check(ticket, counter, allowed, action):
    """Refuse an action on a ticket not at this counter or in the wrong state."""
    if ticket is None:
        raise QueueError("Tidak ada nomor yang sedang dilayani di loket ini.")
    if counter is not None and ticket.counter_id != counter.id and ticket.status in ACTIVE:
        raise QueueError(f"Nomor {ticket.code} sedang ditangani loket lain.")
    if ticket.status not in allowed:
        raise QueueError(f"Nomor {ticket.code} tidak dapat {action}: statusnya {_status_label(ticket)}.")


def _status_label(ticket):
    return TICKET_STATUS.get(ticket.status, ticket.status).lower()


def _transition(ticket, counter, allowed, action, version=None, **values):
    """Apply one counter action as a single conditional UPDATE; a second identical request changes nothing.

    The row must still be in an allowed status, at this counter, at the version the clerk's page showed
    (`version`, else the one read here). On PostgreSQL a concurrent twin waits for the first to commit,
    then finds the version moved on and updates no row; on SQLite the twin reads the new version first.
    """
    _same_version(ticket, version)
    _check(ticket, counter, allowed, action)
    seen = ticket.version if version is None else version
    conditions = [Ticket.id == ticket.id, Ticket.status.in_(allowed), Ticket.version == seen]
    if counter is not None and ticket.status in ACTIVE:
        conditions.append(Ticket.counter_id == counter.id)
    changed = db.session.execute(
        update(Ticket).where(*conditions).values(version=Ticket.version + 1, **values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise QueueError(STALE.format(code=ticket.code))
    db.session.refresh(ticket)
    return ticket


def _same_version(ticket, version):
    """Refuse at once when the clerk's page showed an older state of this ticket (a double click's twin)."""
    if ticket is not None and version is not None and version != ticket.version:
        raise QueueError(STALE.format(code=ticket.code))


STALE = ("Nomor {code} sudah berubah sejak tampilan ini dibuat (mungkin tombol ditekan dua kali), "
         "jadi tidak ada yang diubah. Periksa nomor yang tampil sekarang.")


def recall(ticket, *, counter=None, at=None, version=None):
    """Announce a called ticket again (a new Call row, so displays speak it again)."""
    at = at or now_utc()
    _transition(ticket, counter, ("called",), "dipanggil ulang", version, call_count=Ticket.call_count + 1)
    _announce(ticket, at, is_recall=True)
    return ticket


def start_service(ticket, *, counter=None, at=None, version=None):
    """The resident has arrived at the counter: the service timer starts."""
    _transition(ticket, counter, ("called",), "mulai dilayani", version, status="serving", started_at=at or now_utc())
    _changed()
    return ticket


def finish(ticket, resident_id=None, note="", *, counter=None, at=None, version=None):
    """Close a called or served ticket as done, optionally linked to the served resident and a note.

    Finishing straight from "called" counts the service from the call (the clerk skipped Mulai).
    """
    _same_version(ticket, version)
    _check(ticket, counter, ACTIVE, "diselesaikan")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise QueueError(f"Catatan terlalu panjang (maksimal {NOTE_MAX} karakter).")
    if resident_id is not None:
        from ..registry.models import Resident

        if db.session.get(Resident, resident_id) is None:
            raise QueueError("Penduduk yang dipilih tidak ditemukan.")
    _transition(ticket, counter, ACTIVE, "diselesaikan", version, status="done",
                started_at=func.coalesce(Ticket.started_at, Ticket.called_at), finished_at=at or now_utc(),
                resident_id=resident_id, note=note)
    _changed()
    return ticket


def mark_no_show(ticket, *, counter=None, at=None, version=None):
    """Close a called ticket whose holder did not come, allowed only after at least one recall."""
    _same_version(ticket, version)
    _check(ticket, counter, ("called",), "ditandai tidak hadir")
    recalls = (ticket.call_count or 0) - 1
    if recalls < RECALLS_BEFORE_NO_SHOW:
        raise QueueError(f"Panggil ulang nomor {ticket.code} terlebih dahulu sebelum menandai tidak hadir.")
    _transition(ticket, counter, ("called",), "ditandai tidak hadir", version, status="no_show",
                finished_at=at or now_utc())
    _changed()
    return ticket


BACK_TO_WAITING = {"status": "waiting", "counter_id": None, "clerk_id": None, "called_at": None, "started_at": None}


def transfer(ticket, service, *, counter=None, version=None):
    """Move a ticket to another service with the same number and place by issue time.

    When this counter serves that service too, the ticket stays here (the clerk goes on serving it);
    otherwise it waits again, first among those issued after it, for a counter of that service. A
    service no counter serves is refused: nobody would ever call the ticket.
    """
    _same_version(ticket, version)
    _check(ticket, counter, ("waiting", *ACTIVE), "dialihkan")
    if service is None or not service.active:
        raise QueueError("Layanan tujuan tidak ditemukan atau tidak aktif.")
    if service.id == ticket.service_id:
        raise QueueError(f"Nomor {ticket.code} sudah berada di layanan {service.name}.")
    serving = service_counters(service)
    if not serving:
        raise QueueError(f"Belum ada loket yang melayani layanan {service.name}; nomor {ticket.code} tidak "
                         "dialihkan. Minta admin menambahkan layanan itu ke sebuah loket.")
    stays = counter is not None and ticket.status in ACTIVE and any(c.id == counter.id for c, _open in serving)
    values = {"service_id": service.id, **({} if stays else BACK_TO_WAITING)}
    _transition(ticket, counter, ("waiting", *ACTIVE), "dialihkan", version, **values)
    _changed()
    return ticket


def return_to_queue(ticket, *, counter=None, version=None):
    """Put a called or served ticket back in the queue at its place by issue time."""
    _transition(ticket, counter, ACTIVE, "dikembalikan ke antrian", version, **BACK_TO_WAITING)
    _changed()
    return ticket


def counters_by_service():
    """{service id: [(counter, open now)]} for every active counter, by number: two queries for all services."""
    rows = db.session.execute(
        select(counter_service.c.service_id, Counter).join(Counter, Counter.id == counter_service.c.counter_id)
        .where(Counter.active.is_(True)).order_by(Counter.number)).all()
    opened = set(db.session.scalars(select(CounterSession.counter_id).where(CounterSession.closed_at.is_(None))))
    found = {}
    for service_id, counter in rows:
        found.setdefault(service_id, []).append((counter, counter.id in opened))
    return found


def service_counters(service):
    """[(counter, open now)] for the active counters serving a service, by number."""
    counters = db.session.scalars(
        select(Counter).join(counter_service, counter_service.c.counter_id == Counter.id)
        .where(counter_service.c.service_id == service.id, Counter.active.is_(True))
        .order_by(Counter.number)).all()
    opened = set(db.session.scalars(
        select(CounterSession.counter_id).where(CounterSession.closed_at.is_(None),
                                                CounterSession.counter_id.in_([c.id for c in counters]))))
    return [(c, c.id in opened) for c in counters]


# --- statistics ------------------------------------------------------------------------------


@dataclass
class CounterStats:
    """Served count, no-shows, average wait and average service time (minutes) for one day."""

    served: int
    no_show: int
    avg_wait_minutes: float | None
    avg_service_minutes: float | None


def counter_stats(*, counter=None, clerk=None, day=None):
    """Today's (or a day's) figures for a counter, a clerk, or both."""
    day = day or office_today()
    conditions = [Ticket.day == day, Ticket.status.in_(("done", "no_show"))]
    if counter is not None:
        conditions.append(Ticket.counter_id == counter.id)
    if clerk is not None:
        conditions.append(Ticket.clerk_id == clerk.id)
    rows = db.session.execute(
        select(Ticket.status, Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where(and_(*conditions))).all()
    done = [row for row in rows if row.status == "done"]
    waits = [row.called_at - row.issued_at for row in done if row.called_at]
    services = [row.finished_at - row.started_at for row in done if row.started_at and row.finished_at]
    return CounterStats(served=len(done), no_show=len(rows) - len(done),
                        avg_wait_minutes=_avg_minutes(waits), avg_service_minutes=_avg_minutes(services))


def _avg_minutes(durations):
    if not durations:
        return None
    return round(sum(durations, timedelta()).total_seconds() / 60 / len(durations), 1)


def waiting_by_service(day=None, services=None):
    """{service_id: waiting count} for a day, for the given services (all active ones by default)."""
    day = day or office_today()
    stmt = (select(Ticket.service_id, func.count()).where(Ticket.day == day, Ticket.status == "waiting")
            .group_by(Ticket.service_id))
    if services is not None:
        stmt = stmt.where(Ticket.service_id.in_([s.id for s in services]))
    return dict(db.session.execute(stmt).all())


def counters_for_clerks():
    """Active counters with their services, by number."""
    return db.session.scalars(select(Counter).where(Counter.active.is_(True)).order_by(Counter.number)).all()
