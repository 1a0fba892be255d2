"""Double clicks on the operations pages, through a real gunicorn on SQLite and PostgreSQL."""
import time

from sqlalchemy import func, select

from kupang.extensions import db
from kupang.ops import keys
from kupang.ops.models import BackupRun
from tests.concurrency import at_once, double_submit, page_csrf, twin
from tests.conftest import PASSWORD
from tests.ops.conftest import PASSPHRASE, set_passphrase


def test_double_click_on_backup_now_starts_one_backup(app, make_user, gunicorn, usb):
    make_user("admin", "kepala")
    set_passphrase(app)
    with app.app_context():
        from kupang.settings import set_setting

        set_setting("backup_dir", str(usb))
        db.session.commit()
        db.engine.dispose()
    admin = gunicorn.logged_in("kepala", PASSWORD)
    token = page_csrf(admin, "/admin/cadangan")
    results = double_submit(admin, "/admin/cadangan/sekarang", {"csrf_token": token})
    assert [status for status, _body in results] == [303, 303]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with app.app_context():
            statuses = list(db.session.scalars(select(BackupRun.status)))
            db.session.remove()
        if statuses and all(s in ("ok", "failed") for s in statuses):
            break
        time.sleep(0.5)
    assert statuses == ["ok"]
    assert len(list(usb.glob("kupang-cadangan-*.kupang"))) == 1


def test_double_submitted_passphrase_is_stored_once(app, make_user, gunicorn):
    make_user("admin", "kepala")
    admin = gunicorn.logged_in("kepala", PASSWORD)
    token = page_csrf(admin, "/admin/cadangan")
    fields = {"csrf_token": token, "passphrase": PASSPHRASE, "confirmation": PASSPHRASE}
    other = twin(admin)
    results = at_once([lambda: admin.post_form("/admin/cadangan/kata-sandi", fields),
                       lambda: other.post_form("/admin/cadangan/kata-sandi", fields)])
    assert [r[0] for r in results] == [303, 303]
    page = admin.get("/admin/cadangan")[2].decode()
    assert "Kata sandi cadangan disimpan" in page and "salah" not in page
    with app.app_context():
        assert keys.passphrase_matches(PASSPHRASE)
        from kupang.audit import AuditLog

        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "backup_passphrase_set")) == 1
        db.engine.dispose()
