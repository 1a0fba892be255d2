"""/admin/cadangan and /admin/sistem: access, the passphrase, "Cadangkan sekarang" with progress, download
(audited), home-page warnings, the system page's warnings (low disk, stale backup, wrong clock)."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.ops import keys
from kupang.ops.models import BackupRun
from kupang.timeutil import now_utc
from tests.ops.conftest import PASSPHRASE, set_passphrase

PAGES = ["/admin/cadangan", "/admin/sistem", "/admin/cadangan/kemajuan"]
POSTS = ["/admin/cadangan/sekarang", "/admin/cadangan/unduh", "/admin/cadangan/kata-sandi", "/admin/cadangan/folder"]


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_only_admins_reach_the_operations_pages(client, login_as, role):
    login_as(role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    for path in POSTS:
        assert client.post(path).status_code == 403, path


def test_visitors_are_sent_to_the_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def add_run(app, status, hours_ago, error=None):
    """A finished backup run in the history."""
    with app.app_context(), write_intent():
        db.session.commit()
        at = now_utc() - timedelta(hours=hours_ago)
        db.session.add(BackupRun(created_at=at, started_at=at, finished_at=at, status=status, trigger="timer",
                                 stage="", progress_done=0, progress_total=0, folder="/media/x",
                                 file_name="kupang-cadangan-20261130-153000.kupang" if status == "ok" else None,
                                 size_bytes=123456 if status == "ok" else None, error=error))
        db.session.commit()


def test_passphrase_is_set_once_stored_as_a_public_key_and_audited(app, client, login_as):
    login_as("admin")
    page = client.get("/admin/cadangan").get_data(as_text=True)
    assert "Kata sandi cadangan belum diatur" in page
    weak = client.post("/admin/cadangan/kata-sandi", data={"passphrase": "pendek1", "confirmation": "pendek1"},
                       follow_redirects=True)
    assert "minimal 12 karakter" in weak.get_data(as_text=True)
    done = client.post("/admin/cadangan/kata-sandi", data={"passphrase": PASSPHRASE, "confirmation": PASSPHRASE},
                       follow_redirects=True)
    assert "Kata sandi cadangan disimpan" in done.get_data(as_text=True)
    with app.app_context():
        recipient = keys.current_recipient()
        assert recipient.startswith("age1")
        from kupang.settings import Setting

        values = " ".join(db.session.scalars(select(Setting.value)))
        assert PASSPHRASE not in values and "AGE-SECRET-KEY" not in values.upper()
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "backup_passphrase_set")) == 1
    wrong = client.post("/admin/cadangan/kata-sandi", follow_redirects=True, data={
        "current": "bukan-yang-ini-1", "passphrase": "Kata-Sandi-Baru-2027", "confirmation": "Kata-Sandi-Baru-2027"})
    assert "yang sekarang salah" in wrong.get_data(as_text=True)
    with app.app_context():
        assert keys.current_recipient() == recipient


def wait_for_backup(client, seconds=120):
    """Poll the progress fragment like the page does until the backup ends; returns the last fragment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fragment = client.get("/admin/cadangan/kemajuan", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in fragment
        if "every 1s" not in fragment:
            return fragment
        time.sleep(0.3)
    raise AssertionError("backup did not finish")


def test_backup_now_progress_and_audited_download(app, client, login_as, usb):
    app.config["BACKUP_DIR"] = str(usb)
    login_as("admin")
    set_passphrase(app)
    started = client.post("/admin/cadangan/sekarang", headers={"HX-Request": "true"})
    assert started.status_code == 200 and 'id="backup-progress"' in started.get_data(as_text=True)
    fragment = wait_for_backup(client)
    assert "Berhasil" in fragment and "kupang-cadangan-" in fragment
    page = client.get("/admin/cadangan").get_data(as_text=True)
    (name,) = [p.name for p in usb.glob("kupang-cadangan-*.kupang")]
    assert name in page and "Cadangkan sekarang" in page
    download = client.post("/admin/cadangan/unduh", data={"name": name})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == (usb / name).read_bytes()
    for bad in ("../kupang.db", "/etc/passwd", name + "x"):
        assert client.post("/admin/cadangan/unduh", data={"name": bad}).status_code == 404
    with app.app_context():
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("backup_%"))))
        assert actions.count("backup_started") == 1 and actions.count("backup_downloaded") == 1
        run = db.session.scalars(select(BackupRun)).one()
        assert run.status == "ok" and run.trigger == "manual" and run.size_bytes == (usb / name).stat().st_size


def test_home_page_warns_about_stale_and_failed_backups(app, client, login_as, make_user, auth):
    set_passphrase(app)
    login_as("supervisor")
    assert "Belum ada cadangan yang berhasil" in client.get("/").get_data(as_text=True)
    add_run(app, "ok", hours_ago=30)
    page = client.get("/").get_data(as_text=True)
    assert "Cadangan terakhir yang berhasil sudah 30 jam yang lalu" in page
    add_run(app, "failed", hours_ago=1, error="Flashdisk cadangan belum terpasang di /media/x.")
    page = client.get("/").get_data(as_text=True)
    assert "Pencadangan terakhir gagal: Flashdisk cadangan belum terpasang" in page
    add_run(app, "ok", hours_ago=0)
    page = client.get("/").get_data(as_text=True)
    assert "gagal" not in page and "jam yang lalu" not in page
    make_user("clerk", "petugas9")
    auth.logout()
    auth.login("petugas9")
    add_run(app, "failed", hours_ago=0, error="X")
    assert "Pencadangan terakhir gagal" not in client.get("/").get_data(as_text=True)


def test_system_page_facts_and_warnings(app, client, login_as):
    login_as("admin")
    page = client.get("/admin/sistem").get_data(as_text=True)
    from alembic.script import ScriptDirectory

    from kupang.config import ROOT

    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()  # Alembic's own reading of the files
    for fact in ("Versi", head, "(terbaru)", "Basis data", "Ruang kosong", "Memori", "Jam server",
                 "Asia/Makassar", "Cadangan terakhir", "Impor terakhir", "Perangkat terpasang"):
        assert fact in page, fact
    assert "hampir habis" not in page and "Jam komputer server mundur" not in page

    app.config["DISK_WARN_BYTES"] = 10 ** 18  # more than any disk has: the low-disk warning must show
    page = client.get("/admin/sistem").get_data(as_text=True)
    assert "Ruang penyimpanan hampir habis" in page
    assert "Ruang penyimpanan server hampir habis" in client.get("/").get_data(as_text=True)
    app.config["DISK_WARN_BYTES"] = 0

    with app.app_context(), write_intent():
        db.session.commit()
        db.session.add(AuditLog(at=now_utc() + timedelta(hours=3), action="login", username="jam-maju"))
        db.session.commit()
    page = client.get("/admin/sistem").get_data(as_text=True)
    assert "Jam komputer server mundur" in page and "pengambilan nomor antrian ditolak" in page
    assert "Jam komputer server mundur" in client.get("/").get_data(as_text=True)

    add_run(app, "ok", hours_ago=50)
    page = client.get("/admin/sistem").get_data(as_text=True)
    assert "Berhasil" in page and "123456" not in page  # sizes in Indonesian units


def test_system_page_lists_paired_devices(app, client, login_as):
    from kupang.queue.devices import create_device, pair_device

    with app.app_context(), write_intent():
        db.session.commit()
        _device, code = create_device("display", "TV ruang tunggu", None)
        db.session.commit()
        pair_device(code)
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/sistem").get_data(as_text=True)
    assert "TV ruang tunggu" in page and "Layar TV" in page
