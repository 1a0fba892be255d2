"""make update in a scratch office: a migration that raises rolls code and database back and the previous
version serves again; a good update moves to the new version. A real git remote, gunicorn and database."""
import os
import shutil
import sqlite3
import subprocess
import urllib.request

import pytest

from kupang.migrations_state import script_heads
from kupang.ops.snapshot import sqlite_fingerprints
from kupang.ops.update import healthy
from tests.concurrency import ROOT, free_port
from tests.ops.conftest import PASSPHRASE

MIGRATION = '''"""Update test migration."""
import sqlalchemy as sa
from alembic import op

revision = "0129_update_probe"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("update_probe", sa.Column("id", sa.Integer(), primary_key=True))
    {tail}


def downgrade():
    op.drop_table("update_probe")
'''


def sh(argv, cwd, env=None, check=True):
    """Run a command; its CompletedProcess."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, f"{argv}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
    return done


def commit_all(repo, message):
    """Commit everything in a scratch repo."""
    sh(["git", "add", "-A"], repo)
    sh(["git", "-c", "user.name=uji", "-c", "user.email=uji@kupang.invalid", "commit", "-qm", message], repo)
    return sh(["git", "rev-parse", "HEAD"], repo).stdout.strip()


@pytest.fixture
def office(tmp_path):
    """(upstream repo, installed checkout, environment, port): today's code as version 1, running."""
    upstream, checkout, instance, usb = (tmp_path / n for n in ("upstream", "office", "instance", "usb"))
    files = sh(["git", "ls-files", "-co", "--exclude-standard"], ROOT).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (upstream / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, upstream / name)
    sh(["git", "init", "-q", "-b", "main"], upstream)
    commit_all(upstream, "versi 1")
    sh(["git", "clone", "-q", str(upstream), str(checkout)], tmp_path)
    (checkout / ".venv").symlink_to(os.path.realpath(ROOT / ".venv"))
    instance.mkdir(mode=0o700)
    usb.mkdir()
    port = free_port()
    env = {**os.environ, "KUPANG_INSTANCE_PATH": str(instance), "KUPANG_SECRET_KEY": "uji-update",
           "KUPANG_DATABASE_URL": f"sqlite:///{instance / 'kupang.db'}", "KUPANG_BACKUP_DIR": str(usb),
           "KUPANG_BIND": f"127.0.0.1:{port}", "KUPANG_BACKUP_ON_START": "0", "KUPANG_LOG_LEVEL": "warning"}
    flask = [str(checkout / ".venv/bin/python"), "-m", "flask", "--app", "app"]
    sh([*flask, "seed-demo", "--residents", "60"], checkout, env)
    done = subprocess.run([*flask, "backup-passphrase", "--passphrase-stdin"], cwd=checkout, env=env,
                          input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pidfile = tmp_path / "gunicorn.pid"
    env["UJI_START"] = (f"cd {checkout} && .venv/bin/gunicorn -c gunicorn.conf.py --daemon --pid {pidfile} app:app")
    env["UJI_STOP"] = (f"if [ -f {pidfile} ]; then kill $(cat {pidfile}); for i in $(seq 200); do "
                       f"[ -f {pidfile} ] || break; sleep 0.1; done; fi")
    sh(["sh", "-c", env["UJI_START"]], checkout, env)
    assert healthy(f"http://127.0.0.1:{port}/healthz", 60), "version 1 did not start"
    yield upstream, checkout, env, port
    sh(["sh", "-c", env["UJI_STOP"]], checkout, env, check=False)


def run_update(checkout, env, port, upstream):
    """python -m kupang.ops.update against the scratch upstream, with the scratch start/stop commands."""
    return sh([str(checkout / ".venv/bin/python"), "-m", "kupang.ops.update", "--source", str(upstream),
               "--ref", "main", "--stop-cmd", env["UJI_STOP"], "--start-cmd", env["UJI_START"],
               "--health-url", f"http://127.0.0.1:{port}/healthz", "--health-seconds", "40"],
              checkout, env, check=False)


# Rows the app itself writes whenever it starts (the backup log, today's NIK snapshot): not part of the rollback check.
WRITTEN_AT_START = {"backup_run", "nik_snapshot"}


def health(port):
    """/healthz status, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except OSError:
        return None


def tables(db_path):
    """Table names of a SQLite file."""
    conn = sqlite3.connect(db_path)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    return names


def add_migration(upstream, raising):
    """Version 2 in the upstream repo: a migration after today's heads, raising or not."""
    heads = sorted(script_heads())
    down = heads[0] if len(heads) == 1 else tuple(heads)
    tail = 'raise RuntimeError("migrasi uji sengaja gagal")' if raising else "pass"
    (upstream / "migrations/versions/0129_update_probe.py").write_text(MIGRATION.format(down=down, tail=tail))
    return commit_all(upstream, "versi 2" if raising else "versi 3")


def test_failing_migration_rolls_code_and_database_back(office):
    upstream, checkout, env, port = office
    db_path = env["KUPANG_DATABASE_URL"][len("sqlite:///"):]
    old = sh(["git", "rev-parse", "HEAD"], checkout).stdout.strip()
    before = {k: v for k, v in sqlite_fingerprints(db_path).items() if k not in WRITTEN_AT_START}
    assert health(port) == 200
    add_migration(upstream, raising=True)

    done = run_update(checkout, env, port, upstream)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Migrasi basis data gagal" in done.stdout and "migrasi uji sengaja gagal" in done.stdout
    assert "Versi sebelumnya" in done.stdout
    assert sh(["git", "rev-parse", "HEAD"], checkout).stdout.strip() == old
    assert not (checkout / "migrations/versions/0129_update_probe.py").exists()
    after = {k: v for k, v in sqlite_fingerprints(db_path).items() if k not in WRITTEN_AT_START}
    assert after == before and "update_probe" not in tables(db_path)
    assert health(port) == 200  # the previous version serves again
    assert len(list((checkout.parent / "usb").glob("kupang-cadangan-*.kupang"))) == 1  # backed up first
    assert list((checkout.parent / "instance").glob("sebelum-update-*.db"))  # the rollback copy is kept

    good = add_migration(upstream, raising=False)
    done = run_update(checkout, env, port, upstream)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sh(["git", "rev-parse", "HEAD"], checkout).stdout.strip() == good
    assert "update_probe" in tables(db_path) and health(port) == 200
    assert "Sudah versi terbaru" in run_update(checkout, env, port, upstream).stdout
