"""The app backs up in the background at start when the last good backup is over 24 hours old."""
import time

from sqlalchemy import select

from kupang.extensions import db
from kupang.ops.models import BackupRun
from tests.concurrency import Gunicorn
from tests.ops.conftest import set_passphrase
from tests.ops.test_pages import add_run


def runs(app):
    """(trigger, status) of every backup run."""
    with app.app_context():
        found = [(r.trigger, r.status) for r in db.session.scalars(select(BackupRun).order_by(BackupRun.id))]
        db.session.remove()
        db.engine.dispose()
        return found


def test_start_backs_up_when_the_last_is_stale_and_not_when_fresh(app, db_url, instance_dir, tmp_path, usb):
    set_passphrase(app)
    add_run(app, "ok", hours_ago=30)
    env = {"KUPANG_BACKUP_DIR": str(usb)}
    server = Gunicorn(db_url, instance_dir, tmp_path / "g1.log", env=env)
    started = time.monotonic()
    server.start()
    ready = time.monotonic() - started
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and ("start", "ok") not in runs(app):
            time.sleep(0.5)
        assert runs(app)[-1] == ("start", "ok")
        assert len(list(usb.glob("kupang-cadangan-*.kupang"))) == 1
    finally:
        server.stop()
    assert ready < 30
    again = Gunicorn(db_url, instance_dir, tmp_path / "g2.log", env=env).start()
    time.sleep(3)
    again.stop()
    assert [r for r in runs(app) if r[0] == "start"] == [("start", "ok")]  # fresh now: no second one
    assert "Traceback" not in server.log() + again.log()
