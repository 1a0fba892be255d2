"""kill -9 during a backup: the previous backup stays intact and nothing that looks whole is left behind."""
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

from sqlalchemy import select

from kupang.extensions import db
from kupang.ops.models import BackupRun
from kupang.ops.rotation import NAME_RE
from tests.concurrency import ROOT


def sha(path):
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bulk_up(db_path, megabytes=60):
    """Add incompressible data so a backup takes long enough to be interrupted."""
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE IF NOT EXISTS test_ballast (id INTEGER PRIMARY KEY, data BLOB)")
    rows = ((os.urandom(1024 * 1024),) for _ in range(megabytes))
    conn.executemany("INSERT INTO test_ballast (data) VALUES (?)", rows)
    conn.commit()
    conn.close()


def backup_process(app, usb):
    """`flask --app app backup` as a separate process on the test's database."""
    env = {**os.environ, "KUPANG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "KUPANG_INSTANCE_PATH": app.instance_path, "KUPANG_SECRET_KEY": "test", "KUPANG_BACKUP_DIR": str(usb)}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "backup"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def test_kill_9_during_backup_leaves_previous_backup_intact(ops_app, usb):
    first = backup_process(ops_app, usb)
    assert first.wait(timeout=120) == 0, first.stdout.read()
    (previous,) = usb.glob("kupang-cadangan-*.kupang")
    previous_hash = sha(previous)
    bulk_up(ops_app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):])
    time.sleep(1.1)  # a new file name (names have seconds)

    proc = backup_process(ops_app, usb)
    deadline = time.monotonic() + 120
    partial = []
    while not partial and time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in usb.iterdir() if p.name.endswith(".partial") and p.stat().st_size > 64 * 1024]
        time.sleep(0.005)
    assert partial, "the backup finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    names = sorted(p.name for p in usb.iterdir())
    whole = [n for n in names if NAME_RE.match(n)]
    assert whole == [previous.name] and sha(previous) == previous_hash
    assert all(n.startswith(".") and n.endswith(".partial") for n in names if n != previous.name)

    again = backup_process(ops_app, usb)
    out = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 0, out
    names = sorted(p.name for p in usb.iterdir())
    assert not [n for n in names if n.endswith(".partial")]
    assert len([n for n in names if NAME_RE.match(n)]) == 2 and sha(previous) == previous_hash
    assert os.listdir(os.path.join(ops_app.instance_path, "backup-work")) == []
    with ops_app.app_context():
        runs = list(db.session.scalars(select(BackupRun.status).order_by(BackupRun.id)))
        db.engine.dispose()
    assert runs == ["ok", "failed", "ok"]  # the killed run is marked as having stopped
