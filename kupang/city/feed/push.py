"""The office pushes its outbox to the city: one batch per call, the city's answer decides what is forgotten.

The batch is read in a read transaction that ends before the HTTP request, so the office's SQLite write
lock is never held while waiting for the city; the answer is recorded in a short write transaction.
"""
import fcntl
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app

from ...config import is_city
from ...db import write_transaction
from ...extensions import db
from ...timeutil import now_utc
from .outbox import OutboxBusy, reconcile, state_row, take_batch
from .transport import CONNECT_TIMEOUT, TransportError, post_batch
from .twins import keep_twins

PUSH_BATCH = 1000
BACKOFF_FIRST = 5  # seconds after the first failure, doubling...
BACKOFF_MAX = 600  # ...up to ten minutes
ERROR_CHARS = 200


@dataclass
class PushResult:
    """How one push went: off, busy, wait, idle, sent or failed; rows sent, rows still waiting, a message."""

    status: str
    sent: int = 0
    waiting: int = 0
    message: str = ""


def feed_enabled(app=None):
    """True on an office with KUPANG_CITY_URL and KUPANG_CITY_TOKEN set."""
    app = app or current_app
    return not is_city(app) and bool(app.config.get("CITY_URL")) and bool(app.config.get("CITY_TOKEN"))


def backoff_seconds(failures, rand=random.random):
    """The pause after `failures` failed attempts in a row: 5 s doubling to 10 min, +-20 % jitter."""
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, failures - 1))
    return min(BACKOFF_MAX, base * (0.8 + 0.4 * rand()))


@contextmanager
def push_lock():
    """One pusher per office (the service and an admin's --once): yields False when another holds it."""
    path = Path(current_app.instance_path) / "feed-push.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def next_attempt_at():
    """When the backoff allows the next attempt (None: now)."""
    from ..models import FeedState

    state = db.session.get(FeedState, 1)
    moment = state.next_attempt_at if state is not None else None
    db.session.rollback()
    return moment


def push_once(limit=PUSH_BATCH, honour_backoff=False):
    """Send the next batch to the city and record the answer; a PushResult."""
    if not feed_enabled():
        return PushResult("off", message="Kiriman ke server kota tidak diatur.")
    if honour_backoff:
        moment = next_attempt_at()
        if moment is not None and moment > now_utc():
            return PushResult("wait", message=f"Menunggu sampai {moment:%H.%M.%S} UTC.")
    with push_lock() as mine:
        if not mine:
            return PushResult("busy", message="Pengirim lain sedang berjalan.")
        try:
            batch = take_batch(limit)
        except OutboxBusy as busy:
            return PushResult("busy", message=str(busy))
        if not batch.upto:
            return PushResult("idle")
        return send(batch)


def send(batch):
    """POST the batch (no transaction open) and record what the city answered."""
    config = current_app.config
    payload = {"office": config["KELURAHAN_CODE"], "after": batch.after, "upto": batch.upto,
               "waiting": batch.waiting, "changes": batch.changes}
    try:
        answer = post_batch(config["CITY_URL"], config["CITY_TOKEN"], payload, ca_file=config.get("CITY_CA"),
                            timeout=config.get("FEED_TIMEOUT", CONNECT_TIMEOUT))
    except TransportError as failed:
        return record_failure(str(failed), batch)
    applied = answer.body.get("applied")
    if answer.status not in (200, 409) or isinstance(applied, bool) or not isinstance(applied, int):
        message = answer.body.get("error") or f"Server kota menjawab HTTP {answer.status}."
        return record_failure(f"Ditolak server kota ({answer.status}): {str(message)[:150]}", batch)
    with write_transaction():
        state = state_row()
        rebuilt = reconcile(state, applied)
        now = now_utc()
        state.last_attempt_at = now
        state.failures, state.last_error, state.next_attempt_at = 0, "", None
        if answer.status == 200:
            state.last_push_at = now
            keep_twins(answer.body)
    if rebuilt:
        return PushResult("sent", waiting=1, message="Server kota tertinggal: semua data dikirim ulang.")
    if answer.status == 409:
        return PushResult("sent", waiting=1, message=f"Server kota meminta lanjut setelah {applied}.")
    return PushResult("sent", sent=len(batch.changes), waiting=batch.waiting)


def record_failure(message, batch):
    """Remember the error and back off before the next attempt."""
    with write_transaction():
        state = state_row()
        now = now_utc()
        state.failures = (state.failures or 0) + 1
        state.last_attempt_at = now
        state.last_error = message[:ERROR_CHARS]
        state.next_attempt_at = now + timedelta(seconds=backoff_seconds(state.failures))
    return PushResult("failed", waiting=batch.waiting + batch.taken, message=message)


def push_until_drained(max_batches=10_000):
    """Push batches until nothing waits or one fails; the last PushResult."""
    result = PushResult("idle")
    for _ in range(max_batches):
        result = push_once()
        if result.status != "sent" or not result.waiting:
            break
    return result
