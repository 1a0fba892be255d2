"""The daily NIK completeness snapshot: taken by `flask snapshot-nik` (a daily timer) and when gunicorn starts.

Never written from a page view: the report only reads what the job stored.
"""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import write_transaction
from ..extensions import db
from ..timeutil import now_utc, office_today
from .models import NikSnapshot
from .population import nik_counts


def take_snapshot(day=None):
    """Store (or refresh) today's counts for this office; returns the NikSnapshot."""
    day = day or office_today()
    code = current_app.config["KELURAHAN_CODE"]
    for _attempt in range(2):
        try:
            with write_transaction():
                residents, with_nik, warnings = nik_counts()
                row = db.session.scalar(select(NikSnapshot).where(NikSnapshot.kelurahan_code == code,
                                                                  NikSnapshot.day == day))
                if row is None:
                    row = NikSnapshot(kelurahan_code=code, day=day)
                    db.session.add(row)
                row.residents, row.with_nik, row.with_warnings, row.taken_at = residents, with_nik, warnings, now_utc()
            return row
        except IntegrityError:
            continue  # another process stored today's row at the same moment: refresh that one
    raise RuntimeError("snapshot could not be stored")


def snapshot_at_start(app):
    """Take today's snapshot when the server starts (gunicorn's when_ready); a failure only logs."""
    if "KELURAHAN_CODE" not in app.config or "sqlalchemy" not in app.extensions:
        return  # not kupang (a benchmark's bare baseline app)
    with app.app_context():
        try:
            take_snapshot()
        except Exception:  # noqa: BLE001 - a missing snapshot must never stop the server
            app.logger.exception("NIK snapshot at start failed")
            db.session.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()


def history(first, last):
    """This office's snapshots from first to last, oldest first."""
    code = current_app.config["KELURAHAN_CODE"]
    return db.session.scalars(select(NikSnapshot).where(NikSnapshot.kelurahan_code == code,
                                                        NikSnapshot.day >= first, NikSnapshot.day <= last)
                              .order_by(NikSnapshot.day)).all()


def monthly_points(first, last):
    """The last snapshot of each month in first..last: the points of the completeness trend."""
    points = {}
    for row in history(first, last):
        points[(row.day.year, row.day.month)] = row
    return list(points.values())
