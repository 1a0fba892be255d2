"""The login steps as rules: read what an attempt needs, check the password with no transaction open, then write.

Argon2id takes 50-300 ms on an office machine. Checked inside a write transaction it would hold SQLite's
write lock that long, and every kiosk ticket and counter call would wait for each login.
"""
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..db import lock_for_update, read_phase
from ..extensions import db
from ..security import (
    hash_password,
    password_needs_rehash,
    record_login_failure,
    throttle_keys,
    throttle_wait_seconds,
    verify_password,
)
from .known_devices import known_device_nonce
from .models import User, find_user


@dataclass(frozen=True)
class Attempt:
    """What a password check needs, copied out of the database before it."""

    username: str
    user_id: int | None
    password_hash: str | None
    active: bool
    keys: tuple
    wait: int


def read_attempt(username):
    """The account, this browser's throttle keys and the wait they impose, read without the write lock."""
    with read_phase():
        user = find_user(username)
        keys = tuple(throttle_keys(username, known_device_nonce(getattr(user, "id", None))))
        return Attempt(username=username, user_id=getattr(user, "id", None),
                       password_hash=getattr(user, "password_hash", None), active=bool(user and user.active),
                       keys=keys, wait=throttle_wait_seconds(keys))


def check_password(attempt, password):
    """(valid, new_hash) with no transaction open; new_hash when the stored hash used older parameters."""
    valid = verify_password(attempt.password_hash, password) and attempt.active
    new_hash = hash_password(password) if valid and password_needs_rehash(attempt.password_hash) else None
    return valid, new_hash


def lock_user(user_id):
    """The user row re-read and locked for this transaction (PostgreSQL; SQLite writes are serialised)."""
    stmt = lock_for_update(select(User).where(User.id == user_id)).execution_options(populate_existing=True)
    return db.session.scalars(stmt).one_or_none()


def settle(attempt, valid, new_hash):
    """The write after the check: ("throttled", seconds), ("failed", None) or ("ok", user).

    The throttle is read again, locked: failures recorded while this password was being checked
    (a burst of guesses sent at once) count as if the attempts had run one after another.
    """
    wait = throttle_wait_seconds(attempt.keys, lock=True)
    if wait:
        audit.record("login_throttled", "user", username=attempt.username[:80])
        return "throttled", wait
    user = lock_user(attempt.user_id) if valid else None
    if user is None or not user.active or user.password_hash != attempt.password_hash:
        record_login_failure(attempt.keys)
        audit.record("login_failed", "user", attempt.user_id, username=attempt.username[:80])
        return "failed", None
    if new_hash:
        user.password_hash = new_hash
    return "ok", user


def throttled(attempt):
    """Record a refused attempt (the throttle's wait was already running); the caller commits."""
    audit.record("login_throttled", "user", username=attempt.username[:80])
