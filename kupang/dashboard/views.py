"""Home page, audit log viewer and /healthz."""
from datetime import datetime

from flask import current_app, jsonify, render_template, request
from flask_login import login_required
from sqlalchemy import select, text

from ..audit import ACTION_LABELS, AuditLog
from ..extensions import db
from ..migrations_state import migrations_current
from ..ops.storage import health as storage_health
from ..params import db_int
from ..security import ROLES, public, roles_required
from ..timeutil import local_day_bounds
from . import bp
from .summary import today_summary

AUDIT_PAGE_SIZE = 50
# Detail keys shown in Indonesian on the audit page (others appear as recorded).
DETAIL_LABELS = {
    "target": "akun", "role": "peran", "old": "sebelumnya", "new": "menjadi", "name": "nama", "kind": "jenis",
    "rows": "baris", "file": "berkas", "fields": "kolom", "size": "ukuran", "format": "format", "code": "kode",
    "number": "nomor", "prefix": "awalan", "masked": "disamarkan", "resident_id": "penduduk", "merged_id": "digabung",
}


def detail_items(row):
    """(label, value) pairs of an audit row's detail, in Indonesian where known (role names too)."""
    return [(DETAIL_LABELS.get(key, key), ROLES.get(value, value) if isinstance(value, str) else value)
            for key, value in row.detail_data.items()]


@bp.route("/")
@login_required
def index():
    """The home page: what this user can do, and today at a glance."""
    return render_template("dashboard/index.html", summary=today_summary())


@bp.route("/audit")
@roles_required("admin", "supervisor")
def audit():
    """Who did what, newest first; filter by user, action, object and date."""
    args = request.args
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if args.get("pengguna"):
        stmt = stmt.where(AuditLog.username == args["pengguna"].strip().lower())
    if args.get("aksi"):
        stmt = stmt.where(AuditLog.action == args["aksi"])
    if args.get("objek"):
        kind, _, ident = args["objek"].partition(":")
        stmt = stmt.where(AuditLog.object_type == kind)
        if ident:
            stmt = stmt.where(AuditLog.object_id == ident)
    day = parse_day(args.get("tanggal"))
    if day:
        start, end = local_day_bounds(day)
        stmt = stmt.where(AuditLog.at >= start, AuditLog.at < end)
    before = args.get("sebelum", type=db_int)
    if before:
        stmt = stmt.where(AuditLog.id < before)
    rows = db.session.scalars(stmt.limit(AUDIT_PAGE_SIZE + 1)).all()
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    return render_template(
        "dashboard/audit.html", rows=rows, more=more, labels=ACTION_LABELS, args=args, detail_items=detail_items,
        next_before=rows[-1].id if rows else None,
    )


def parse_day(value):
    """A yyyy-mm-dd date, or None when absent or malformed."""
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None


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
