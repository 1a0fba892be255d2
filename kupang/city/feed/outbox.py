"""The office's outbox: taking a batch in seq order, forgetting what the city has, re-sending everything.

Reads take one consistent snapshot: on PostgreSQL the outbox is briefly locked against new rows (NOWAIT,
retried) so that no transaction still holding an older, uncommitted seq is skipped; SQLite has one writer,
so its seqs are committed in order anyway.
"""
import time
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.exc import OperationalError

from ...db import is_sqlite
from ...extensions import db
from ...timeutil import now_utc
from ..models import FED_TABLES, FeedOutbox, FeedState
from .rows import read_rows

RESET = "*"  # the outbox row that tells the city to forget the office's rows before they come again
LOCK_TRIES = 40
LOCK_PAUSE = 0.05
OUTBOX = FeedOutbox.__table__


class OutboxBusy(RuntimeError):
    """PostgreSQL: writers kept the outbox locked; try again later."""


@dataclass
class Batch:
    """What one push sends: the range (after, upto], its changes, how many wait behind it."""

    after: int
    upto: int = 0
    waiting: int = 0  # outbox rows after upto
    taken: int = 0  # outbox rows in (after, upto]
    changes: list = field(default_factory=list)


def state_row():
    """The push state (id 1), created when missing, in the caller's write transaction."""
    state = db.session.get(FeedState, 1)
    if state is None:
        state = FeedState(id=1, acked_seq=0, failures=0, last_error="")
        db.session.add(state)
        db.session.flush()
    return state


def acked_seq():
    """The last seq the city acknowledged (0 before the first push)."""
    return db.session.scalar(select(FeedState.acked_seq).where(FeedState.id == 1)) or 0


def _lock_outbox():
    """PostgreSQL: hold off new outbox rows until this read ends, without queueing behind writers."""
    for _ in range(LOCK_TRIES):
        try:
            db.session.execute(text("LOCK TABLE feed_outbox IN EXCLUSIVE MODE NOWAIT"))
            return
        except OperationalError:
            db.session.rollback()
            time.sleep(LOCK_PAUSE)
    raise OutboxBusy("Antrean kiriman sedang sibuk ditulis; dicoba lagi nanti.")


def take_batch(limit):
    """The next batch after the acknowledged seq, rows read as they are now; ends its read transaction."""
    try:
        if not is_sqlite():
            _lock_outbox()
        after = acked_seq()
        entries = db.session.execute(select(OUTBOX.c.seq, OUTBOX.c.table_name, OUTBOX.c.row_id).where(
            OUTBOX.c.seq > after).order_by(OUTBOX.c.seq).limit(limit)).all()
        batch = Batch(after=after)
        if entries:
            batch.upto, batch.taken = entries[-1].seq, len(entries)
            batch.waiting = db.session.scalar(select(func.count()).select_from(OUTBOX).where(
                OUTBOX.c.seq > batch.upto))
            batch.changes = collapse(entries)
    finally:
        db.session.rollback()  # a read: nothing to keep, and the PostgreSQL lock goes with it
    return batch


def collapse(entries):
    """One change per row (its last seq, its current columns or deleted), resets kept, in seq order."""
    last = {}
    resets = []
    for seq, table_name, row_id in entries:
        if table_name == RESET:
            resets.append({"seq": seq, "table": RESET, "reset": True})
        else:
            last[(table_name, row_id)] = seq
    by_table = {}
    for table_name, row_id in last:
        by_table.setdefault(table_name, []).append(row_id)
    changes = list(resets)
    for table_name, ids in by_table.items():
        found = read_rows(table_name, ids)
        for row_id in ids:
            change = {"seq": last[(table_name, row_id)], "table": table_name, "id": row_id}
            if row_id in found:
                change["data"] = found[row_id]
            else:
                change["deleted"] = True
            changes.append(change)
    return sorted(changes, key=lambda change: change["seq"])


def assigned_seq():
    """The highest seq the outbox has ever given (deleted rows included)."""
    if is_sqlite():
        return db.session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'feed_outbox'")) or 0
    row = db.session.execute(text("SELECT last_value, is_called FROM feed_outbox_seq_seq")).one()
    return row.last_value if row.is_called else 0


def advance_seq(value):
    """Make the outbox's next seq come after `value` (the city holds more than this office ever sent)."""
    if is_sqlite():
        updated = db.session.execute(text("UPDATE sqlite_sequence SET seq = :v WHERE name = 'feed_outbox'"),
                                     {"v": value})
        if not updated.rowcount:
            db.session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('feed_outbox', :v)"),
                               {"v": value})
    else:
        db.session.execute(text("SELECT setval('feed_outbox_seq_seq', :v)"), {"v": value})


def forget_acked(seq):
    """Delete the outbox rows the city has applied."""
    db.session.execute(delete(FeedOutbox).where(FeedOutbox.seq <= seq))


def enqueue_everything():
    """A reset, then every fed row of the office again: the city rebuilds its copy from them."""
    now = now_utc()
    db.session.execute(insert(FeedOutbox).values(table_name=RESET, row_id=0, op="r", created_at=now))
    for name in FED_TABLES:
        table = db.metadata.tables[name]
        rows = select(literal(name), table.c.id, literal("u"), literal(now)).order_by(table.c.id)
        db.session.execute(insert(OUTBOX).from_select(["table_name", "row_id", "op", "created_at"], rows))


def reconcile(state, city_applied):
    """Adopt what the city says it has applied; re-send everything when the two disagree beyond a lost ack.

    More than this office ever numbered: the office was restored from a backup older than the city's copy
    (numbering moves past the city's). Less than acknowledged: the city was restored from an old backup.
    Returns True when everything was queued again.
    """
    rebuild = False
    if city_applied > assigned_seq():
        advance_seq(city_applied)
        rebuild = True
    elif city_applied < state.acked_seq:
        rebuild = True
    state.acked_seq = city_applied
    forget_acked(city_applied)
    if rebuild:
        enqueue_everything()
    return rebuild
