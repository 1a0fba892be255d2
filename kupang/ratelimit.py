"""A per-minute request limit shared by every gunicorn worker (public pages such as letter verification).

The counts live in a small SQLite file of their own (RATELIMIT_FILE, instance/ratelimit.sqlite3), not the office
database: a flood of refused requests must never queue for the office database's write lock, and a count
is worth no fsync (WAL, synchronous=OFF: a power cut only forgets a few counts). The window slides: this
minute's count plus the previous minute's, weighted by the share of it still inside the last 60 seconds
and rounded up, so a burst across a minute boundary gets no second allowance. When the file cannot be used
(disk full, unreadable) each worker falls back to counting in its own memory, and says so in the log.
"""
import math
import os
import sqlite3
import threading
import time
from collections import deque

from flask import current_app

WINDOW_SECONDS = 60
_local = threading.local()
_memory: dict[str, deque] = {}
_memory_lock = threading.Lock()


def _connection(path):
    """This thread's connection to the counts file (made after a fork, never shared between processes)."""
    if getattr(_local, "pid", None) != os.getpid():
        _local.pid, _local.connections, _local.swept = os.getpid(), {}, None
    connection = _local.connections.get(path)
    if connection is None:
        connection = sqlite3.connect(path, timeout=2, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, minute INTEGER NOT NULL, "
                           "count INTEGER NOT NULL, PRIMARY KEY (key, minute)) WITHOUT ROWID")
        _local.connections[path] = connection
    return connection


def used(counts, minute, now):
    """Requests inside the sliding minute: this minute's plus the still-covered share of the last, rounded up."""
    still_inside = 1 - (now - minute * WINDOW_SECONDS) / WINDOW_SECONDS
    return counts.get(minute, 0) + math.ceil(counts.get(minute - 1, 0) * still_inside)


def allow_in_file(path, key, limit, now=None):
    """Count one request for key and say whether it is within limit (refused requests are not counted)."""
    now = time.time() if now is None else now
    minute = int(now // WINDOW_SECONDS)
    connection = _connection(str(path))
    connection.execute("BEGIN IMMEDIATE")  # every worker's check-and-count is one step
    try:
        counts = dict(connection.execute("SELECT minute, count FROM hits WHERE key = ? AND minute >= ?",
                                         (key, minute - 1)).fetchall())
        allowed = used(counts, minute, now) < limit
        if allowed:
            connection.execute("INSERT INTO hits (key, minute, count) VALUES (?, ?, 1) "
                               "ON CONFLICT (key, minute) DO UPDATE SET count = count + 1", (key, minute))
        if _local.swept != minute:  # once a minute per thread: forget minutes that no window covers
            connection.execute("DELETE FROM hits WHERE minute < ?", (minute - 1,))
            _local.swept = minute
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return allowed


def allow_in_memory(key, limit, now=None):
    """The fallback: the same limit counted by this worker alone."""
    now = time.monotonic() if now is None else now
    with _memory_lock:
        hits = _memory.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        if len(_memory) > 10_000:  # forget idle keys so memory stays bounded
            for old in [k for k, v in _memory.items() if not v or v[-1] <= now - WINDOW_SECONDS]:
                _memory.pop(old, None)
        return True


def allow(key, limit):
    """Whether one more request for key fits in `limit` per minute, counted across all workers."""
    path = current_app.config["RATELIMIT_FILE"]
    try:
        return allow_in_file(path, key, limit)
    except sqlite3.Error as error:
        current_app.logger.warning("rate limit file %s unusable (%s): counting per worker", path, error)
        return allow_in_memory(key, limit)
