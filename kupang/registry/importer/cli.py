"""`flask --app app import-residents FILE [--dry-run]`, and the worker entry `--job ID` used by the web upload."""
import os
import sys

import click
from flask import current_app

from ...cli import fail
from ...config import env_int
from ...db import write_intent
from ...extensions import db
from .. import bp
from .jobs import ProgressReporter, confirm_job, create_job, imports_root, run_job
from .readers import ImportFileError

SHOWN_ISSUES = 50


def echo_summary(job):
    """The check's outcome in Indonesian."""
    summary = job.summary_data
    click.echo(f"Berkas        : {job.file_name} (lembar \u201c{summary.get('sheet', '')}\u201d, "
               f"judul kolom di baris {summary.get('header_row', '?')})")
    click.echo(f"Baris data    : {job.count_rows}")
    click.echo(f"  Baru        : {job.count_new}")
    click.echo(f"  Diperbarui  : {job.count_updated}")
    click.echo(f"  Tidak berubah: {job.count_unchanged}")
    click.echo(f"  Ditolak     : {job.count_rejected}")
    click.echo(f"Peringatan    : {job.count_warnings}")
    for note in summary.get("notes", []):
        click.echo(f"Catatan: {note}")
    issues = summary.get("issues", [])
    if issues:
        click.echo(f"Masalah ({summary.get('issue_total', len(issues))}; paling banyak {SHOWN_ISSUES} ditampilkan):")
    for line, column, level, message in issues[:SHOWN_ISSUES]:
        kind = "GALAT" if level == "error" else "peringatan"
        click.echo(f"  Baris {line}, kolom {column} [{kind}]: {message}")
    if job.issues_path:
        click.echo(f"Daftar lengkap masalah: {imports_root() / job.issues_path}")
    if job.rejected_path:
        click.echo(f"Baris yang ditolak (dengan alasan): {imports_root() / job.rejected_path}")


def _user(username):
    if not username:
        return None
    from ...auth.models import find_user

    user = find_user(username)
    if user is None:
        fail(f"pengguna {username!r} tidak ditemukan.")
    return user


def run_worker(job_id):
    """Worker mode: run a stored job at lower CPU priority, reporting progress on its row."""
    # Lower CPU priority than the web workers: clerks' lookups come first (KUPANG_IMPORT_NICE, 0 to disable).
    os.nice(current_app.config.get("IMPORT_NICE", env_int("IMPORT_NICE", 5)))
    job = run_job(job_id, ProgressReporter(job_id))
    if job is None:
        fail(f"pekerjaan impor {job_id} tidak ditemukan.")
    if job.status == "failed":
        sys.exit(1)


@bp.cli.command("import-residents")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Periksa saja, tidak ada data yang disimpan.")
@click.option("--user", "username", default="", help="Nama pengguna yang dicatat sebagai pengimpor.")
@click.option("--job", "job_id", type=int, default=None, help="(internal) jalankan pekerjaan impor tersimpan.")
def import_residents(file, dry_run, username, job_id):
    """Import residents from a spreadsheet (.xlsx, .xls, .ods, .csv): check, summary, then save (or --dry-run)."""
    if job_id is not None:
        run_worker(job_id)
        return
    if not file:
        fail("sebutkan berkas (.xlsx, .xls, .ods atau .csv) yang akan diimpor.")
    if not os.path.isfile(file):
        fail(f"berkas {file} tidak ditemukan.")
    user = _user(username)
    try:
        with write_intent(), open(file, "rb") as stream:
            job = create_job(stream, os.path.basename(file), user=user, dry_run=dry_run)
            db.session.commit()
    except ImportFileError as error:
        db.session.rollback()
        fail(str(error))
    job = run_job(job.id)
    if job.status == "failed":
        fail(job.error)
    echo_summary(job)
    if dry_run:
        click.echo("Uji coba: tidak ada data penduduk yang disimpan.")
        return
    confirm_job(job.id, user)
    job = run_job(job.id)
    if job.status != "done":
        fail(job.error or "impor tidak selesai.")
    click.echo(f"Tersimpan: {job.count_new} penduduk baru, {job.count_updated} diperbarui, "
               f"{job.count_unchanged} tidak berubah, {job.count_rejected} ditolak.")


@bp.cli.command("purge-imports")
@click.option("--days", type=int, default=None, help="Simpan berkas impor selama sekian hari (bawaan: "
              "KUPANG_IMPORT_RETENTION_DAYS, 7).")
def purge_imports_command(days):
    """Delete uploads, saved rows and rejected-rows files of imports older than the retention period."""
    from .retention import purge_imports, retention_days

    if days is not None and days < 0:
        fail("--days tidak boleh negatif.")
    kept = retention_days() if days is None else days
    removed = purge_imports(days=kept)
    click.echo(f"Berkas impor yang lebih tua dari {kept} hari dihapus: {removed} impor.")
