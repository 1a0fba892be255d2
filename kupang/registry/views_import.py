"""Bulk import (/penduduk/impor) and export (/penduduk/ekspor) of residents."""
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from .. import audit
from ..db import begin_write
from ..extensions import csrf, db
from ..htmx import is_htmx
from ..security import roles_required
from . import bp, codes, exporter
from .disclosure import record_number_lookup
from .import_models import ImportJob
from .importer import cli  # noqa: F401 (registers the import-residents command)
from .importer.columns import FIELD_LABELS
from .importer.forms import ExportForm, ImportUploadForm
from .importer.jobs import cancel_job, confirm_job, create_job, imports_root, is_stalled, start_job
from .importer.readers import READ_FORMATS, ImportFileError
from .importer.retention import start_retention
from .search import SearchFilters

IMPORT_ROLES = ("admin", "clerk")
EXPORT_ROLES = ("admin", "supervisor")
RECENT_JOBS = 20
CSRF_MESSAGE = "Formulir sudah tidak berlaku atau tidak sah. Muat ulang halaman lalu coba lagi."
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}
NOT_YOURS = "Impor ini milik pengguna lain; hanya pengunggahnya atau admin yang dapat membukanya."

bp.record_once(lambda state: start_retention(state.app))


def upload_limit_mb():
    """The upload size limit in MB (MAX_UPLOAD_MB, 20 by default)."""
    return current_app.config.get("MAX_UPLOAD_MB", 20)


def _visible_jobs():
    """The recent imports this user may open: an admin sees all, a clerk only their own."""
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(RECENT_JOBS)
    if current_user.role != "admin":
        stmt = stmt.where(ImportJob.user_id == current_user.id)
    return db.session.scalars(stmt).all()


def _render_upload(form, status=200):
    return render_template("registry/import_upload.html", form=form, jobs=_visible_jobs(),
                           limit_mb=upload_limit_mb(), field_labels=FIELD_LABELS, formats=READ_FORMATS), status


def _too_large():
    form = ImportUploadForm(formdata=None)
    form.file.errors = [f"Berkas terlalu besar. Batas ukuran berkas impor {upload_limit_mb()} MB; "
                        "bagi berkas menjadi beberapa bagian lalu unggah satu per satu."]
    return _render_upload(form, 413)


@bp.route("/penduduk/impor", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token once the upload limit below is in force
@roles_required(*IMPORT_ROLES)
def import_upload():
    """Upload a resident spreadsheet; it is checked and previewed before anything is saved."""
    request.max_content_length = upload_limit_mb() * 1024 * 1024
    try:
        form = ImportUploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _too_large()
    if request.method == "POST" and "csrf_token" in form.errors:
        flash(CSRF_MESSAGE, "error")
        return _render_upload(form, 400)
    if not submitted:
        return _render_upload(form, 400 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        job = create_job(upload.stream, Path(upload.filename).name, user=current_user)
    except ImportFileError as error:
        db.session.rollback()
        form.file.errors = [str(error)]
        return _render_upload(form, 400)
    audit.record("import_uploaded", "import_job", job.id, file=job.file_name, size=job.file_size)
    db.session.commit()
    start_job(job)
    return redirect(url_for("registry.import_job", job_id=job.id), 303)


def may_handle(job, user):
    """Only the clerk who uploaded an import, or an admin, may see, confirm, cancel or download it."""
    return user.role == "admin" or (job.user_id is not None and job.user_id == user.id)


def _job_or_404(job_id):
    job = db.session.get(ImportJob, job_id)
    if job is None:
        abort(404)
    if not may_handle(job, current_user):
        abort(403, NOT_YOURS)
    return job


@bp.route("/penduduk/impor/<int:job_id>")
@roles_required(*IMPORT_ROLES)
def import_job(job_id):
    """An import: progress while it is checked or saved, the preview, or the result."""
    job = _job_or_404(job_id)
    return render_template("registry/import_job.html", job=job, summary=job.summary_data,
                           stalled=is_stalled(job))


@bp.route("/penduduk/impor/<int:job_id>/progres")
@roles_required(*IMPORT_ROLES)
def import_progress(job_id):
    """The progress bar (htmx polling); once the step is over the whole page reloads."""
    job = _job_or_404(job_id)
    if not is_htmx():
        return redirect(url_for("registry.import_job", job_id=job.id))
    if not job.is_running or is_stalled(job):
        response = Response(status=204)
        response.headers["HX-Refresh"] = "true"
        return response
    response = Response(render_template("registry/_import_progress.html", job=job))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.route("/penduduk/impor/<int:job_id>/konfirmasi", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def import_confirm(job_id):
    """Save a checked import; confirming twice saves it once."""
    job = _job_or_404(job_id)
    if confirm_job(job.id, current_user):
        db.session.expire_all()
        start_job(db.session.get(ImportJob, job.id))
    else:
        flash("Impor ini sudah dikonfirmasi atau tidak lagi menunggu konfirmasi; tidak ada yang diulang.", "info")
    return redirect(url_for("registry.import_job", job_id=job.id), 303)


@bp.route("/penduduk/impor/<int:job_id>/batal", methods=["POST"])
@roles_required(*IMPORT_ROLES)
def import_cancel(job_id):
    """Drop a checked import without saving it."""
    job = _job_or_404(job_id)
    if cancel_job(job.id, current_user):
        flash("Impor dibatalkan; tidak ada data yang disimpan.", "success")
    else:
        flash("Impor ini tidak lagi menunggu konfirmasi.", "info")
    return redirect(url_for("registry.import_job", job_id=job.id), 303)


def _download_name(job, suffix, ext):
    stem = Path(job.file_name).stem or "impor"
    return f"{stem}-{suffix}.{ext}"


@bp.route("/penduduk/impor/<int:job_id>/ditolak")
@roles_required(*IMPORT_ROLES)
def import_rejected(job_id):
    """The rejected rows in the uploaded format, with a reason column, to fix and upload again."""
    job = _job_or_404(job_id)
    path = imports_root() / job.rejected_path if job.rejected_path else None
    if path is None or not path.is_file():
        abort(404)
    ext = path.suffix.lstrip(".")
    begin_write()  # the file carries full NIKs: the audit row names who received it
    audit.record("import_rejected_downloaded", "import_job", job.id, rows=job.count_rejected,
                 received_by=current_user.username, uploaded_by=job.user.username if job.user else None,
                 resident_ids=job.summary_data.get("rejected_holders", []))
    db.session.commit()
    response = send_file(path, mimetype=MIME[ext], as_attachment=True,
                         download_name=_download_name(job, "ditolak", ext), max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/penduduk/impor/<int:job_id>/masalah")
@roles_required(*IMPORT_ROLES)
def import_issues(job_id):
    """Every error and warning of the check as a CSV (row, column, kind, message)."""
    job = _job_or_404(job_id)
    path = imports_root() / job.issues_path if job.issues_path else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=_download_name(job, "masalah", "csv"), max_age=0)


def _export_args():
    """The search box and filters of the export, from the query string or the posted form."""
    source = request.form if request.method == "POST" else request.args
    return (source.get("q", "") or "").strip()[:100], SearchFilters.from_args(source)


def _filter_args(query, filters):
    args = {"q": query, "rt": filters.rt, "rw": filters.rw, "status": filters.life_status,
            "tanpa_nik": "1" if filters.missing_nik else "", "peringatan": "1" if filters.with_warnings else "",
            "digabung": "1" if filters.include_merged else ""}
    return {key: value for key, value in args.items() if value}


@bp.route("/penduduk/ekspor", methods=["GET", "POST"])
@roles_required(*EXPORT_ROLES)
def export():
    """Export the current search as .xlsx or .csv; NIK/KK masked unless asked with a reason. Audited."""
    query, filters = _export_args()
    form = ExportForm()
    total = exporter.count_residents(query, filters)
    record_number_lookup(query, "ekspor penduduk")  # the page echoes the number back (registry.disclosure)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("registry/export.html", form=form, total=total, query=query, filters=filters,
                               filter_args=_filter_args(query, filters), status_labels=codes.LIFE_STATUS), status
    fmt, masked = form.file_format.data, not form.unmasked.data
    audit.record("residents_exported", "resident", None, format=fmt, masked=masked, rows=total,
                 reason=(form.reason.data or "").strip() if not masked else None,
                 filters=_filter_args(query, filters))
    db.session.commit()
    name = f"penduduk-{'tersamar' if masked else 'lengkap'}.{fmt}"
    if fmt == "csv":
        response = Response(stream_with_context(exporter.csv_chunks(query, filters, masked)), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        response = send_file(exporter.write_xlsx(query, filters, masked), mimetype=MIME["xlsx"],
                             as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
