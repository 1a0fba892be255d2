"""instance/ holds the database, the secret key and uploaded spreadsheets: only the app's own user may read it."""
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import build_app

ROOT = Path(__file__).resolve().parents[1]


def mode(path):
    """Permission bits of a file or folder."""
    return stat.S_IMODE(os.stat(path).st_mode)


def test_start_makes_an_existing_install_private(tmp_path):
    """An install from before the fix (0755 folders, 0644 files) is tightened at the next start."""
    instance = tmp_path / "instance"
    (instance / "imports" / "job-1").mkdir(parents=True)
    old_files = [instance / "kupang.db", instance / "kupang.db-wal", instance / "secret_key",
                 instance / "imports" / "job-1" / "upload.xlsx", instance / "imports" / "job-1" / "rows.jsonl"]
    for path in old_files:
        path.write_text("data")
        os.chmod(path, 0o644)
    for folder in (instance, instance / "imports", instance / "imports" / "job-1"):
        os.chmod(folder, 0o755)
    outside = tmp_path / "elsewhere.txt"  # the app touches only its instance folder
    outside.write_text("x")
    os.chmod(outside, 0o644)
    build_app(f"sqlite:///{tmp_path / 'test.db'}", instance)
    assert mode(instance) == mode(instance / "imports") == mode(instance / "imports" / "job-1") == 0o700
    assert [mode(path) for path in old_files] == [0o600] * len(old_files)
    assert mode(outside) == 0o644


def test_files_the_app_creates_later_are_private(tmp_path):
    """The umask set at start covers files written after it (uploads, caches, the database itself)."""
    instance = tmp_path / "instance"
    build_app(f"sqlite:///{tmp_path / 'test.db'}", instance)
    current = os.umask(0o077)
    os.umask(current)
    assert current == 0o077
    upload = instance / "imports" / "new.xlsx"
    upload.parent.mkdir()
    upload.write_bytes(b"PK")
    assert mode(upload.parent) == 0o700 and mode(upload) == 0o600


def test_a_real_first_start_creates_everything_private(tmp_path):
    """`flask init-db` on a new machine (default SQLite path inside instance/, umask 022 from the shell)."""
    instance = tmp_path / "instance"
    env = {key: value for key, value in os.environ.items() if not key.startswith("KUPANG_")}
    env["KUPANG_INSTANCE_PATH"] = str(instance)
    proc = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from flask.cli import main; "
                           "sys.argv = ['flask', '--app', 'app', 'init-db']; main()"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    created = sorted(p.name for p in instance.iterdir())
    assert {"kupang.db", "secret_key"} <= set(created)
    assert mode(instance) == 0o700
    assert {p.name: mode(p) for p in instance.iterdir()} == {name: 0o600 for name in created}
