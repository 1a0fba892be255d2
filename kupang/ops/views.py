"""Admin pages of operations: /admin/cadangan (backups) and /admin/sistem (the machine at a glance)."""
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..db import write_transaction
from ..extensions import db
from ..htmx import is_htmx, render_page_or_fragment
from ..security import roles_required
from ..settings import get_setting, set_setting
from . import bp, keys, system
from .backup import last_good_run, last_run, list_backups, run_is_alive
from .config import BACKUP_DIR_KEY, backup_folder, backup_max_age_hours, disk_warn_bytes, disk_warn_percent, setting
from .forms import DownloadForm, EmptyForm, FolderForm, PassphraseForm
from .jobs import BACKUP_LOCK_KEY, PASSPHRASE_LOCK_KEY, queue_backup, running_run, serialize, start_queued
from .models import BackupRun
from .storage import disk_status


def backup_context():
    """What the backup page and its progress fragment show."""
    latest = last_run()
    return {"latest": latest, "good": last_good_run(), "alive": run_is_alive(latest),
            "folder": backup_folder(), "folder_from_env": bool(setting("BACKUP_DIR")),
            "has_passphrase": bool(keys.current_recipient()), "set_at": get_setting(keys.SET_AT_KEY),
            "max_age": backup_max_age_hours()}


@bp.route("/admin/cadangan")
@roles_required("admin")
def backups():
    """Backups: the last one, where they go, the files there, the passphrase, and "Cadangkan sekarang"."""
    runs = db.session.scalars(select(BackupRun).order_by(BackupRun.id.desc()).limit(10)).all()
    return render_template("ops/backups.html", runs=runs, files=list_backups(), now_form=EmptyForm(),
                           download_form=DownloadForm(), passphrase_form=PassphraseForm(),
                           folder_form=FolderForm(folder=str(backup_folder())), **backup_context())


@bp.route("/admin/cadangan/kemajuan")
@roles_required("admin")
def backup_progress():
    """The progress panel (polled every second by htmx while a backup runs)."""
    return render_page_or_fragment("ops/backup_progress.html", "ops/_backup_progress.html", **backup_context())


@bp.route("/admin/cadangan/sekarang", methods=["POST"])
@roles_required("admin")
def backup_now():
    """Start a backup in the background; a second click while one runs starts nothing more."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not keys.current_recipient():
        flash("Atur kata sandi cadangan dulu.", "error")
        return redirect(url_for("ops.backups"), 303)
    with write_transaction():
        serialize(BACKUP_LOCK_KEY)
        busy = running_run()
        if busy is None:
            run = queue_backup(current_user)
            audit.record("backup_started", "backup_run", run.id)
    if busy is None:
        start_queued(run.id)
    else:
        flash("Pencadangan sedang berjalan.", "info")
    if is_htmx():
        return render_template("ops/_backup_progress.html", **backup_context())
    return redirect(url_for("ops.backups"), 303)


@bp.route("/admin/cadangan/unduh", methods=["POST"])
@roles_required("admin")
def backup_download():
    """Download one backup file (encrypted); every download is audited."""
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(400)
    names = {name: size for name, size, _when in list_backups()}
    if form.name.data not in names:
        abort(404)
    path = Path(backup_folder()) / form.name.data
    with write_transaction():
        audit.record("backup_downloaded", "backup_file", form.name.data, size=names[form.name.data])
    return send_file(path, as_attachment=True, download_name=form.name.data, mimetype="application/octet-stream")


@bp.route("/admin/cadangan/kata-sandi", methods=["POST"])
@roles_required("admin")
def backup_passphrase():
    """Set (once) or change the backup passphrase; only its public key is stored."""
    form = PassphraseForm()
    if not form.validate_on_submit():
        flash("Isi semua kolom kata sandi cadangan.", "error")
        return redirect(url_for("ops.backups"), 303)
    try:
        with write_transaction():
            serialize(PASSPHRASE_LOCK_KEY)
            existed = bool(keys.current_recipient())
            if keys.set_passphrase(form.passphrase.data, form.confirmation.data, current=form.current.data):
                audit.record("backup_passphrase_set", "setting", keys.RECIPIENT_KEY, changed=existed)
    except keys.PassphraseError as error:
        flash(str(error), "error")
        return redirect(url_for("ops.backups"), 303)
    flash("Kata sandi cadangan disimpan. Catat dan simpan di tempat aman: tanpanya cadangan tidak dapat "
          "dipulihkan.", "success")
    return redirect(url_for("ops.backups"), 303)


@bp.route("/admin/cadangan/folder", methods=["POST"])
@roles_required("admin")
def backup_folder_set():
    """Choose the backup folder (a USB drive's mount point), unless KUPANG_BACKUP_DIR fixes it."""
    form = FolderForm()
    if setting("BACKUP_DIR"):
        flash("Folder cadangan ditentukan oleh KUPANG_BACKUP_DIR di pengaturan server.", "error")
        return redirect(url_for("ops.backups"), 303)
    folder = (form.folder.data or "").strip() if form.validate_on_submit() else ""
    if not folder.startswith("/") or any(ord(ch) < 32 for ch in folder) or ".." in Path(folder).parts:
        flash("Folder cadangan harus berupa jalur lengkap, mis. /media/kupang-cadangan.", "error")
        return redirect(url_for("ops.backups"), 303)
    if not Path(folder).is_dir():
        flash(f"Folder {folder} tidak ada di komputer server.", "error")
        return redirect(url_for("ops.backups"), 303)
    with write_transaction():
        old = set_setting(BACKUP_DIR_KEY, folder)
        audit.record("setting_changed", "setting", BACKUP_DIR_KEY, old=old, new=folder)
    flash(f"Cadangan berikutnya disimpan di {folder}.", "success")
    return redirect(url_for("ops.backups"), 303)


@bp.route("/admin/sistem", endpoint="system")
@roles_required("admin")
def system_page():
    """The machine at a glance: version, schema, uptime, sizes, disk, memory, backups, imports, clock, devices."""
    db_size, wal_size = system.database_sizes()
    applied, heads, current = system.schema_state()
    latest = last_run()
    return render_template(
        "ops/system.html", version=current_app.config["APP_VERSION"], revision=system.code_revision(),
        applied=applied, heads=heads, schema_current=current, app_uptime=system.app_uptime_seconds(),
        machine_uptime=system.machine_uptime_seconds(), db_size=db_size, wal_size=wal_size, disk=disk_status(),
        warn_bytes=disk_warn_bytes(), warn_percent=disk_warn_percent(), memory=system.process_memory(),
        latest=latest, good=last_good_run(), alive=run_is_alive(latest), last_import=system.last_import(),
        clock_problem=system.clock_problem(), now=system.now_utc(), timezone=current_app.config["TIMEZONE"],
        system_timezone=system.system_timezone(), ntp=system.ntp_synchronized(), devices=system.paired_devices(),
        feed=system.city_feed(),
        database_kind=db.engine.dialect.name)
