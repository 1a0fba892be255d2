"""Facts for the system page: version, schema, uptime, sizes, disk, memory, backups, imports, clock, devices.

Operations knows the database, not the areas: other areas' tables are read through the shared metadata by
name (import_job, daily_sequence, device), and a table that is absent just shows as unknown.
"""
import os
import subprocess
import time
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from ..config import ROOT
from ..extensions import db
from ..migrations_state import applied_heads, script_heads
from ..timeutil import now_utc, to_local

RELEASE_DATE = datetime(2026, 11, 1)  # a clock earlier than this version's release is certainly wrong
CLOCK_SLACK = timedelta(minutes=2)


@cache
def code_revision():
    """The git commit the code runs from (short), or None outside a checkout."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _table(name):
    return db.metadata.tables.get(name)


def latest_stored_time():
    """The latest moment the database has recorded (a ticket issued, an audit row, a backup), or None."""
    moments = []
    for table_name, column in (("daily_sequence", "last_issued_at"), ("audit_log", "at"),
                               ("backup_run", "finished_at")):
        table = _table(table_name)
        if table is not None:
            moments.append(db.session.scalar(select(func.max(table.c[column]))))
    moments = [m for m in moments if m is not None]
    return max(moments) if moments else None


def clock_problem(now=None):
    """An Indonesian warning when the server clock looks wrong, else None."""
    now = now or now_utc()
    if now < RELEASE_DATE:
        return (f"Jam komputer server menunjukkan {to_local(now):%d-%m-%Y %H.%M}, sebelum versi aplikasi ini "
                "dibuat: jamnya salah. Betulkan tanggal dan jam server (atau baterai jam/CMOS-nya).")
    latest = latest_stored_time()
    if latest is not None and latest - now > CLOCK_SLACK:
        return (f"Jam komputer server mundur: sekarang {to_local(now):%d-%m-%Y %H.%M}, padahal data terakhir "
                f"tercatat {to_local(latest):%d-%m-%Y %H.%M}. Selama jam belum benar, pengambilan nomor antrian "
                "ditolak (agar tidak ada nomor ganda). Betulkan jam server.")
    return None


def ntp_synchronized():
    """True/False from timedatectl when it is available, else None."""
    try:
        out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True,
                             text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return {"yes": True, "no": False}.get(value)


def database_sizes():
    """(database bytes, WAL bytes or None) of the app's database."""
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///"):])
        wal = Path(f"{path}-wal")
        return (path.stat().st_size if path.exists() else 0), (wal.stat().st_size if wal.exists() else 0)
    size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
    return int(size), None


def _rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def process_memory():
    """[(label, pid, RSS MB)] of the gunicorn master and its workers, or of this process alone."""
    parent = os.getppid()
    if "gunicorn" in _cmdline(parent):
        rows = [("Proses induk gunicorn", parent, _rss_kb(parent))]
        rows += [("Pekerja" + (" (ini)" if pid == os.getpid() else ""), pid, _rss_kb(pid))
                 for pid in _children(parent)]
    else:
        rows = [("Proses aplikasi", os.getpid(), _rss_kb(os.getpid()))]
    return [(label, pid, None if kb is None else kb / 1024) for label, pid, kb in rows]


def machine_uptime_seconds():
    """Seconds since the machine booted."""
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def app_uptime_seconds():
    """Seconds since this app (the gunicorn master, with preload) was created."""
    return time.time() - current_app.config["OPS_STARTED_AT"]


def last_import():
    """The newest import job as a mapping (created_at, status, file_name, count_rows), or None."""
    table = _table("import_job")
    if table is None:
        return None
    row = db.session.execute(select(table.c.created_at, table.c.status, table.c.file_name, table.c.count_rows,
                                    table.c.finished_at).order_by(table.c.id.desc()).limit(1)).first()
    return row._mapping if row else None


def paired_devices():
    """Paired, unrevoked kiosks and displays with when each was last seen, oldest sighting first."""
    table = _table("device")
    if table is None:
        return []
    rows = db.session.execute(select(table.c.name, table.c.kind, table.c.paired_at, table.c.last_seen_at)
                              .where(table.c.revoked_at.is_(None), table.c.paired_at.is_not(None))
                              .order_by(table.c.last_seen_at.asc().nulls_first(), table.c.name)).all()
    return [row._mapping for row in rows]


def city_feed():
    """The office's push to the city: off, or its host, last acknowledged push, changes waiting, last error."""
    from urllib.parse import urlsplit

    config = current_app.config
    if config.get("ROLE") == "city":
        return {"role": "city"}
    if not (config.get("CITY_URL") and config.get("CITY_TOKEN")):
        return {"role": "office", "enabled": False}
    outbox, state_table = _table("feed_outbox"), _table("feed_state")
    state = None
    if state_table is not None:
        state = db.session.execute(select(state_table).where(state_table.c.id == 1)).first()
    acked = state.acked_seq if state else 0
    waiting = db.session.scalar(select(func.count()).select_from(outbox).where(outbox.c.seq > acked)) \
        if outbox is not None else None
    return {"role": "office", "enabled": True, "host": urlsplit(config["CITY_URL"]).netloc, "waiting": waiting,
            "last_push_at": state.last_push_at if state else None, "last_error": state.last_error if state else "",
            "next_attempt_at": state.next_attempt_at if state else None, "failures": state.failures if state else 0}


def schema_state():
    """(applied revisions, heads of the code, current?)."""
    applied, heads = applied_heads(), script_heads()
    return sorted(applied), sorted(heads), applied == heads


def system_timezone():
    """The machine's own time zone name (for comparison with KUPANG_TIMEZONE)."""
    try:
        return Path("/etc/timezone").read_text().strip()
    except OSError:
        link = Path("/etc/localtime")
        return str(link.resolve()).split("zoneinfo/")[-1] if link.is_symlink() else time.tzname[0]
