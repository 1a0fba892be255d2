"""deploy/: install-service into a scratch root (units valid per systemd-analyze), and the kiosk launcher
driving the real Chromium: pairing link once, then the kiosk page, restarted each time the browser exits."""
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.concurrency import ROOT

DEPLOY = ROOT / "deploy"


@pytest.fixture
def scratch_root(tmp_path):
    """A directory standing in for a fresh machine's / (with the account files useradd needs)."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    shutil.copy("/etc/login.defs", root / "etc" / "login.defs")
    for name in ("passwd", "group", "shadow", "gshadow"):
        lines = [line for line in Path(f"/etc/{name}").read_text().splitlines(True) if line.startswith("root:")]
        (root / "etc" / name).write_text("".join(lines))
    return root


def test_install_service_in_a_scratch_root(scratch_root, tmp_path):
    instance = tmp_path / "instance"  # the path on the machine; in the scratch root it lies below root/
    existing = scratch_root / str(instance).lstrip("/")
    (existing / "imports").mkdir(parents=True)
    (existing / "kupang.db").write_bytes(b"x")
    os.chmod(existing / "kupang.db", 0o644)
    os.chmod(existing, 0o755)
    env = {**os.environ, "KUPANG_INSTANCE_PATH": str(instance)}
    done = subprocess.run(["bash", str(DEPLOY / "install-service.sh"), "--root", str(scratch_root)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout

    account = [line.split(":") for line in (scratch_root / "etc/passwd").read_text().splitlines()
               if line.startswith("kupang:")]
    assert account and account[0][6] == "/usr/sbin/nologin"
    uid = int(account[0][2])
    scratch_instance = scratch_root / str(instance).lstrip("/")
    db_file = scratch_instance / "kupang.db"
    assert stat.S_IMODE(scratch_instance.stat().st_mode) == 0o700 and scratch_instance.stat().st_uid == uid
    units = scratch_root / "etc/systemd/system"
    for name in UNITS:
        text = (units / name).read_text()
        assert "@" not in text.replace("%i", ""), name
    app_unit = (units / "kupang.service").read_text()
    assert "Restart=always" in app_unit and f"WorkingDirectory={ROOT}" in app_unit
    assert "User=kupang" in app_unit and "UMask=0077" in app_unit
    assert (units / "multi-user.target.wants/kupang.service").is_symlink()
    assert (units / "timers.target.wants/kupang-backup.timer").is_symlink()
    assert (units / "timers.target.wants/kupang-snapshot.timer").is_symlink()
    assert "ExecStart=" + str(ROOT) + "/.venv/bin/flask --app app snapshot-nik" in (
        units / "kupang-snapshot.service").read_text()
    feed_unit = (units / "kupang-feed.service").read_text()
    assert "ExecStart=" + str(ROOT) + "/.venv/bin/flask --app app city-feed\n" in feed_unit
    assert "User=kupang" in feed_unit and "Restart=on-failure" in feed_unit and "UMask=0077" in feed_unit
    assert (units / "multi-user.target.wants/kupang-feed.service").is_symlink()
    env_file = scratch_root / "etc/kupang/kupang.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600 and db_file.stat().st_uid == uid
    assert stat.S_IMODE((scratch_instance / "imports").stat().st_mode) == 0o700

    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (apt-get install systemd)")
    verify = subprocess.run(["systemd-analyze", "verify", *(str(units / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(app_unit.replace("ExecStart=", "ExecStart=/nonexistent/gunicorn ", 1).replace(
        f"ExecStart=/nonexistent/gunicorn {ROOT}", "ExecStart=/nonexistent/gunicorn"))
    assert subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True).returncode != 0

    again = subprocess.run(["bash", str(DEPLOY / "install-service.sh"), "--root", str(scratch_root)],
                           capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0 and "Akun layanan" not in again.stdout  # the account is made once
    assert not instance.exists()  # nothing was written outside the scratch root


UNITS = ("kupang.service", "kupang-backup.service", "kupang-backup.timer", "kupang-snapshot.service",
         "kupang-snapshot.timer", "kupang-feed.service")


def test_kiosk_launcher_opens_the_pairing_link_once_then_the_kiosk(tmp_path, live_server):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Chromium is not installed (make test installs it)")
    home = tmp_path / "screen"
    env = {**os.environ, "KUPANG_SCREEN_HOME": str(home), "CHROMIUM": "/usr/bin/chromium",
           "KUPANG_SCREEN_MAX_RUNS": "3", "KUPANG_SCREEN_RESTART_SECONDS": "0",
           "KUPANG_SCREEN_EXTRA_ARGS": "--headless --no-sandbox --disable-gpu --dump-dom"}
    script = str(DEPLOY / "kiosk" / "kupang-screen.sh")
    link = f"{live_server}/perangkat/pasang?kode=ABCDE-FGHJK"
    assert subprocess.run([script, "pair", "kiosk", link], env=env, capture_output=True).returncode == 0
    done = subprocess.run([script, "run", "kiosk", live_server], env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    opened = [line.split(" membuka ", 1)[1] for line in (home / "kiosk.log").read_text().splitlines()
              if " membuka " in line]
    assert opened == [link, f"{live_server}/kiosk", f"{live_server}/kiosk"]
    assert (home / "kiosk.log").read_text().count("browser berhenti") == 3  # and opened again each time
    assert done.stdout.count('value="ABCDE-FGHJK"') == 1  # Chromium really loaded the pairing page once
    assert done.stdout.count("<html") == 3
    assert stat.S_IMODE(home.stat().st_mode) == 0o700 and (home / "profile-kiosk").is_dir()
