"""On SQLite, kiosk taps queue on a file lock before they take the database's write lock.

SQLite's busy handler polls with sleeps that grow to 100 ms, so four kiosks tapping at once wait far
longer than the few milliseconds each one holds the lock. A blocking flock() wakes the next waiter as
soon as the holder is done. It only shortens waits: correctness still rests on BEGIN IMMEDIATE and the
unique constraint. PostgreSQL needs none of this (its row lock wakes waiters itself).
"""
import fcntl
import os
from functools import wraps

from flask import current_app

from ..db import is_sqlite
from ..extensions import db

LOCK_FILE = "queue-issue.lock"


def serialised_on_sqlite(view):
    """Run the view holding an exclusive file lock (SQLite only); its transaction ends before the lock is freed."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_sqlite():
            return view(*args, **kwargs)
        fd = os.open(os.path.join(current_app.instance_path, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                return view(*args, **kwargs)
            finally:
                db.session.rollback()  # a refusal leaves its IMMEDIATE transaction open: end it here
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    return wrapped
