"""`flask city-feed`: the service loop pushes until drained, idles, and stops cleanly on SIGTERM."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from kupang.city.models import FeedOutbox
from kupang.extensions import db
from tests.city.feed.helpers import fill_office
from tests.concurrency import ROOT


def waiting(app):
    """Outbox rows still at the office."""
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(FeedOutbox))
        db.session.rollback()
    return count


def test_the_service_loop_drains_the_outbox_then_stops_on_sigterm(office, db_url, tmp_path):
    fill_office(office, families=2)
    env = {**os.environ, "KUPANG_DATABASE_URL": db_url, "KUPANG_INSTANCE_PATH": str(tmp_path),
           "KUPANG_CITY_URL": office.config["CITY_URL"], "KUPANG_CITY_TOKEN": office.config["CITY_TOKEN"],
           "KUPANG_SECRET_KEY": "runner-test"}
    loop = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "app", "city-feed"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while waiting(office) and time.monotonic() < deadline and loop.poll() is None:
            time.sleep(0.1)
        assert waiting(office) == 0
        assert loop.poll() is None  # still running: idle, not finished
        loop.send_signal(signal.SIGTERM)
        output, _ = loop.communicate(timeout=30)
    finally:
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    assert loop.returncode == 0, output
    assert "berjalan" in output and "berhenti" in output
