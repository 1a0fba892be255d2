"""Backup and restore round trips on SQLite and PostgreSQL: the restore drill, encryption, refusals."""
import os
import shutil

import pytest
from sqlalchemy import func, select, text

from kupang.auth.accounts import create_user
from kupang.auth.models import User
from kupang.db import write_intent
from kupang.extensions import db
from kupang.ops import archive
from kupang.ops.backup import BackupError, last_run, run_backup
from kupang.ops.models import BackupRun
from kupang.ops.restore import RestoreError, restore
from kupang.registry.models import Resident
from tests.ops.conftest import PASSPHRASE, fingerprints


def take_backup(app, **kwargs):
    """One backup through run_backup; returns its path."""
    with app.app_context():
        _run_id, path = run_backup(**kwargs)
        db.session.remove()
    return path


def change_data(app):
    """Add a user and change one resident's name (two tables differ afterwards)."""
    with app.app_context(), write_intent():
        db.session.commit()
        create_user("sesudah", "clerk", "Kuat-Rahasia-2026", must_change=False)
        resident = db.session.scalars(select(Resident).order_by(Resident.id).limit(1)).one()
        resident.name = "Nama Diubah Sesudah Cadangan"
        db.session.commit()
        db.session.remove()


def do_restore(app, path, passphrase=PASSPHRASE):
    """restore() inside an app context."""
    with app.app_context():
        return restore(str(path), passphrase)


def test_restore_drill(any_app):
    """Back up, change data, restore: every table's row count and checksum equals the state backed up."""
    before = fingerprints(any_app)
    assert before["resident"]["rows"] >= 120 and before["user"]["rows"] >= 5
    path = take_backup(any_app)
    change_data(any_app)
    changed = fingerprints(any_app)
    assert changed["user"] != before["user"] and changed["resident"] != before["resident"]

    result = do_restore(any_app, path)

    after = fingerprints(any_app)
    assert after == before
    assert {name: t["rows"] for name, t in after.items()} == {name: t["rows"] for name, t in before.items()}
    assert result.replaced and not result.migrated
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "sesudah")) == 0
        db.engine.dispose()
    if any_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert os.path.exists(result.replaced)  # the replaced database is kept beside the live one
        assert oct(os.stat(result.replaced).st_mode & 0o777) == "0o600" or os.path.exists(result.replaced)


def test_backup_is_encrypted_and_holds_no_readable_nik(any_app, usb):
    with any_app.app_context():
        nik, name = db.session.execute(select(Resident.nik, Resident.name)
                                       .where(Resident.nik.is_not(None)).limit(1)).one()
    path = take_backup(any_app)
    data = path.read_bytes()
    assert path.parent == usb and path.name.startswith("kupang-cadangan-")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert b"age-encryption.org/v1" in data[:2000]
    for secret in (nik.encode(), name.encode(), b"SQLite format 3", b"CREATE TABLE"):
        assert secret not in data
    header = archive.read_header(path)
    assert header["recipient"].startswith("age1") and "tables" not in header


def test_wrong_passphrase_fails_clearly_and_changes_nothing(any_app):
    path = take_backup(any_app)
    change_data(any_app)
    changed = fingerprints(any_app)
    with pytest.raises(RestoreError, match="Kata sandi cadangan salah"):
        do_restore(any_app, path, passphrase="Bukan-Kata-Sandinya-1")
    assert fingerprints(any_app) == changed


def test_truncated_or_altered_backup_is_refused(ops_app, tmp_path):
    path = take_backup(ops_app)
    change_data(ops_app)
    changed = fingerprints(ops_app)
    data = path.read_bytes()
    cut = tmp_path / "terpotong.kupang"
    cut.write_bytes(data[: len(data) - 5000])
    with pytest.raises(RestoreError, match="rusak atau terpotong"):
        do_restore(ops_app, cut)
    flipped = tmp_path / "diubah.kupang"
    middle = len(data) // 2
    flipped.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])
    with pytest.raises(RestoreError):
        do_restore(ops_app, flipped)
    not_backup = tmp_path / "lain.kupang"
    not_backup.write_bytes(b"SQLite format 3\0" + b"x" * 100)
    with pytest.raises(RestoreError, match="bukan berkas cadangan"):
        do_restore(ops_app, not_backup)
    assert fingerprints(ops_app) == changed
    assert not list(tmp_path.glob("**/.pulih-*"))


def test_backup_from_a_newer_schema_is_refused(any_app):
    with any_app.app_context(), write_intent():
        db.session.commit()
        db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0999_from_the_future')"))
        db.session.commit()
    path = take_backup(any_app)
    with any_app.app_context(), write_intent():
        db.session.commit()
        db.session.execute(text("DELETE FROM alembic_version WHERE version_num = '0999_from_the_future'"))
        db.session.commit()
    change_data(any_app)
    changed = fingerprints(any_app)
    with pytest.raises(RestoreError, match="versi aplikasi yang lebih baru"):
        do_restore(any_app, path)
    assert fingerprints(any_app) == changed


def test_backup_from_an_older_schema_is_migrated(tmp_path, instance_dir, usb):
    """A database at 0020 (before the backup_run table) is backed up, then restored and migrated to today."""
    from flask_migrate import upgrade

    from tests.conftest import build_app
    from tests.ops.conftest import set_passphrase

    app = build_app(f"sqlite:///{tmp_path / 'kupang.db'}", instance_dir, BACKUP_DIR=str(usb))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="0020_merge_areas")
        db.engine.dispose()
    set_passphrase(app)
    path = take_backup(app)  # no backup_run table yet: the run is not recorded, the backup is still made
    with app.app_context():
        assert "backup_run" not in db.inspect(db.engine).get_table_names()
    result = do_restore(app, path)
    assert result.migrated
    with app.app_context():
        assert "backup_run" in db.inspect(db.engine).get_table_names()
        applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
        from kupang.migrations_state import script_heads

        assert applied == set(script_heads())
        db.engine.dispose()


def test_restore_refuses_while_the_database_is_in_use(ops_app):
    path = take_backup(ops_app)
    import subprocess
    import sys

    live = ops_app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]
    holder = subprocess.Popen([sys.executable, "-c", f"import sqlite3,time; c=sqlite3.connect({live!r}); "
                               "c.execute('select 1').fetchall(); print('ok', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(RestoreError, match="sedang dipakai"):
            do_restore(ops_app, path)
    finally:
        holder.kill()
        holder.wait()


def test_failed_backup_is_recorded_with_its_reason(ops_app, tmp_path):
    with ops_app.app_context():
        with pytest.raises(BackupError, match="tidak ada"):
            run_backup(folder=tmp_path / "tidak-ada")
        run = last_run()
        assert run.status == "failed" and "tidak ada" in run.error
        db.session.remove()


def test_unmounted_usb_path_is_refused_not_filled(ops_app, tmp_path):
    """A folder under /media that is not a mount point would be the root disk: refused."""
    folder = "/media/kupang-test-not-mounted"
    os.makedirs(folder, exist_ok=True)
    try:
        with ops_app.app_context(), pytest.raises(BackupError, match="belum terpasang"):
            run_backup(folder=folder)
        assert os.listdir(folder) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_cli_backup_and_restore(ops_app, usb):
    runner = ops_app.test_cli_runner()
    result = runner.invoke(args=["backup", "--to", str(usb)])
    assert result.exit_code == 0, result.output
    assert "Cadangan selesai" in result.output
    path = next(usb.glob("kupang-cadangan-*.kupang"))
    stale = runner.invoke(args=["backup", "--if-stale"])
    assert stale.exit_code == 0 and "masih baru" in stale.output
    assert len(list(usb.glob("kupang-cadangan-*.kupang"))) == 1
    before = fingerprints(ops_app)
    change_data(ops_app)
    wrong = runner.invoke(args=["restore", str(path), "--passphrase-stdin", "--yes"], input="salah-sekali-123\n")
    assert wrong.exit_code != 0 and "salah" in wrong.output and "tidak diubah" in wrong.output
    good = runner.invoke(args=["restore", str(path), "--passphrase-stdin", "--yes"], input=PASSPHRASE + "\n")
    assert good.exit_code == 0, good.output
    assert "Pemulihan selesai" in good.output and "disimpan sebagai" in good.output
    assert fingerprints(ops_app) == before
    with ops_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackupRun)) >= 1
        db.engine.dispose()
