"""Two offices applying the same NIK at the same moment (PostgreSQL, where batches of different offices apply
in parallel): the second waits for the first's per-NIK lock, then sees its record, so the NIK is listed as
living twice. Without the lock each would count only its own record and neither would list it."""
import threading
import time

from sqlalchemy import select, text

from kupang.city import projections
from kupang.city.kota.models import CitySharedNik
from kupang.db import write_intent
from kupang.extensions import db
from tests.city.kota.fixtures import N1, A, B, resident
from tests.conftest import build_app, reset_postgres


def waiting_for_advisory_lock(app):
    """Sessions now waiting for an advisory lock."""
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar()


def test_two_offices_applying_one_nik_at_once_find_each_other(postgres_url, instance_dir, tmp_path):
    app = build_app(postgres_url, instance_dir, ROLE="city", RATELIMIT_FILE=str(tmp_path / "rl.sqlite3"))
    reset_postgres(app)
    applied, release, errors = threading.Event(), threading.Event(), []

    def office_a():
        try:
            with app.app_context(), write_intent():
                projections.project(A, "resident", 1, resident(1, A, N1))
                applied.set()
                release.wait(30)  # still uncommitted while B applies
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
            applied.set()

    def office_b():
        try:
            applied.wait(30)
            with app.app_context(), write_intent():
                projections.project(B, "resident", 1, resident(1, B, N1))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=office_a), threading.Thread(target=office_b)]
    for thread in threads:
        thread.start()
    waited = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not waited:
        waited = waiting_for_advisory_lock(app) == 1
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert waited, "office B never waited for office A's lock on the NIK"
    with app.app_context():
        assert [(r.nik, r.records) for r in db.session.scalars(select(CitySharedNik))] == [(N1, 2)]
        db.session.remove()
        db.engine.dispose()
