"""Office page: residents the city finds registered active in another kelurahan too (audited, NIK masked)."""
from flask import abort, current_app, render_template, url_for
from sqlalchemy import func, select

from ... import audit
from ...config import is_city
from ...db import begin_write
from ...extensions import db
from ...layout import ALL_STAFF
from ...notices import Notice
from ...notices import register as register_notice
from ...registry.models import Resident
from ...security import roles_required
from .. import bp
from ..models import FeedState, FeedTwin
from .twins import kept_twins


@bp.route("/penduduk-dua-kelurahan")
@roles_required(*ALL_STAFF)
def office_twins():
    """This office's residents that another kelurahan also records as living here (from the city's last answer)."""
    if is_city(current_app):
        abort(404)
    twins = kept_twins()
    residents = {r.nik: r for r in db.session.scalars(select(Resident).where(
        Resident.nik.in_([t.nik for t in twins]), Resident.merged_into_id.is_(None)))} if twins else {}
    rows = [(twin, residents.get(twin.nik)) for twin in twins]
    state = db.session.get(FeedState, 1)
    begin_write()  # the list names residents: audited like any page that does
    audit.record("city_twins_viewed", "resident_list", "dua-kelurahan", shown=len(rows),
                 resident_ids=[r.id for _twin, r in rows if r is not None])
    db.session.commit()
    return render_template("city/office_twins.html", rows=rows, last_push=state.last_push_at if state else None,
                           feed_on=bool(current_app.config.get("CITY_URL")))


def twins_notice(user):
    """A home-page warning for admins and supervisors while the city lists residents active in two kelurahan."""
    if getattr(user, "role", None) not in ("admin", "supervisor") or is_city(current_app):
        return []
    count = db.session.scalar(select(func.count()).select_from(FeedTwin))
    if not count:
        return []
    return [Notice(f"Menurut server kota, {count} penduduk kelurahan ini tercatat hidup juga di kelurahan lain "
                   "tanpa catatan pindah. Periksa dan catat pindahnya.", "warning",
                   url_for("city.office_twins"), "Lihat daftarnya")]


@bp.record_once
def _register(state):
    register_notice(state.app, twins_notice)
