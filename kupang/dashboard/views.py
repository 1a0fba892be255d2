"""Home page (the clerk's day, or the supervisor's overview), the audit log viewer and /healthz."""
from flask import current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import text

from ..audit import ACTION_LABELS
from ..extensions import db
from ..migrations_state import migrations_current
from ..notices import collect
from ..ops.storage import health as storage_health
from ..registry.masking import mask_nik
from ..reports import audit_search, home
from ..reports.audit_objects import KIND_LABELS
from ..reports.audit_text import describe
from ..reports.periods import range_label
from ..reports.tables import FORMATS, export_response
from ..security import public, roles_required
from . import bp
from .summary import today_summary

SUPERVISING = ("admin", "supervisor")


@bp.route("/")
@login_required
def index():
    """The home page: a clerk's day at a glance, or what a lurah checks (queue, SKM, NIK, warnings)."""
    if current_user.role not in SUPERVISING:
        return render_template("dashboard/index.html", summary=today_summary())
    return render_template("dashboard/supervisor.html", services=home.queue_now(), day=home.today_against_usual(),
                           skm=home.month_skm(), nik=home.nik_now(), letters=home.letters_today(),
                           notices=collect(current_user))


def _period_label(filters):
    if filters.first and filters.last:
        return range_label(filters.first, filters.last)
    if filters.first or filters.last:
        return range_label(filters.first or filters.last, filters.first or filters.last)
    return "seluruh catatan"


@bp.route("/audit")
@roles_required(*SUPERVISING)
def audit():
    """Who did what to whose data, newest first: by resident (name or NIK), user, action, object, date range."""
    filters = audit_search.read_filters(request.args)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(fmt, "log-audit", "Log audit", _period_label(filters),
                               [audit_search.export_table(audit_search.export_rows(filters))])
    rows, more = audit_search.rows(filters)
    args = filters.args()
    choice_args = {k: v for k, v in args.items() if k != "penduduk"}
    return render_template("dashboard/audit.html", rows=describe(rows), more=more, labels=ACTION_LABELS,
                           kinds=KIND_LABELS, filters=filters, args=args, choice_args=choice_args, mask=mask_nik,
                           next_before=rows[-1].id if rows else None, period_label=_period_label(filters)), \
        400 if filters.problems else 200


@bp.route("/healthz")
@public
def healthz():
    """Liveness for monitoring: database reachable and writable, migrations current, version. No personal data."""
    status = {"version": current_app.config["APP_VERSION"], "database": False, "migrations": "unknown"}
    try:
        db.session.execute(text("SELECT 1"))
        status["database"] = True
        status["migrations"] = "current" if migrations_current() else "pending"
    except Exception:  # noqa: BLE001 - report, never raise, from a health check
        db.session.rollback()
    disk, writable = storage_health()  # a full disk: database not writable, 503
    status.update(disk)
    ok = status["database"] and status["migrations"] == "current" and writable
    status["status"] = "ok" if ok else "error"
    response = jsonify(status)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
