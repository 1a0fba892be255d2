"""Disk space: a full disk becomes a clear Indonesian message (nothing is lost), /healthz and the admins see it.

SQLite answers SQLITE_FULL ("database or disk is full") when the WAL cannot grow; PostgreSQL raises
DiskFull (SQLSTATE 53100); files (uploads, exports) raise OSError ENOSPC or EDQUOT. In each case the
transaction is rolled back, so what was acknowledged before stays and the failed action changes nothing.
"""
import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .config import disk_min_free_bytes, disk_warn_bytes, disk_warn_percent

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
STORAGE_FULL_MESSAGE = ("Penyimpanan komputer server penuh, jadi data ini belum tersimpan. Data yang sudah "
                        "tersimpan sebelumnya aman. Hubungi admin untuk mengosongkan ruang penyimpanan, lalu "
                        "coba lagi.")


def is_storage_full(error):
    """True when an exception (or anything in its cause chain) says the disk is full."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
            return True
        if isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                                                or "database or disk is full" in str(error)):
            return True
        if getattr(error, "sqlstate", None) == "53100":  # psycopg: disk_full
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


@dataclass(frozen=True)
class DiskStatus:
    """Free space where the database and uploads live."""

    path: str
    total: int
    free: int
    level: str  # "ok", "low" (warn), "full" (writes fail or will fail)

    @property
    def free_percent(self):
        """Free share in percent."""
        return 100.0 * self.free / self.total if self.total else 0.0

    @property
    def writable(self):
        """False when the database can no longer be written."""
        return self.level != "full"


def data_path():
    """The folder holding the SQLite database (or instance/ on PostgreSQL, for uploads)."""
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///"):]).parent
    return Path(current_app.instance_path)


def disk_status(path=None):
    """Free space of the data folder's file system and its level against the warning thresholds."""
    path = Path(path or data_path())
    stats = os.statvfs(path)
    total, free = stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize
    writable = os.access(path, os.W_OK)
    if not writable or free < disk_min_free_bytes():
        level = "full"
    elif free < disk_warn_bytes() or (total and 100.0 * free / total < disk_warn_percent()):
        level = "low"
    else:
        level = "ok"
    return DiskStatus(str(path), total, free, level)


def health():
    """The disk part of /healthz: ({"database_writable": bool, "disk": "ok"|"low"|"full", "disk_free_mb": n}, ok)."""
    try:
        status = disk_status()
    except OSError:
        return {"database_writable": False, "disk": "unknown", "disk_free_mb": None}, False
    return {"database_writable": status.writable, "disk": status.level,
            "disk_free_mb": status.free // (1024 * 1024)}, status.writable
