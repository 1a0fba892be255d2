"""`flask --app app backup | restore | backup-passphrase`: backups from the command line and the timer."""
import sys
from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..cli import fail
from ..db import write_intent
from ..extensions import db
from ..timeutil import now_utc
from . import keys
from .backup import BackupError, last_good_run, run_backup
from .config import backup_max_age_hours
from .models import STAGES
from .restore import RestoreError, restore


def _echo_progress(stage, done, total):
    percent = f" {min(100, round(100 * done / total))}%" if total else ""
    click.echo(f"  {STAGES.get(stage, stage)}{percent}")


def read_secret(prompt, from_stdin, confirm=False):
    """A passphrase from stdin (one line) or typed at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("berikan kata sandi cadangan lewat --passphrase-stdin.")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


@click.command("backup")
@click.option("--to", "folder", type=click.Path(file_okay=False), help="Folder tujuan (bawaan: pengaturan cadangan)")
@click.option("--trigger", type=click.Choice(["cli", "timer", "start", "manual", "update"]), default="cli",
              show_default=True, help="Asal perintah (untuk riwayat)")
@click.option("--run-id", type=click.IntRange(1, 2 ** 31), help="Lanjutkan antrean dari halaman Cadangan")
@click.option("--if-stale", is_flag=True, help="Hanya bila cadangan terakhir yang berhasil lebih tua dari batasnya")
@with_appcontext
def backup_command(folder, trigger, run_id, if_stale):
    """Take an encrypted, checked backup of the database now (also run daily by the systemd timer)."""
    if if_stale:
        last = last_good_run()
        if last and last.finished_at and now_utc() - last.finished_at < timedelta(hours=backup_max_age_hours()):
            click.echo("Cadangan terakhir masih baru; tidak ada yang dilakukan.")
            return
        if not keys.current_recipient():
            click.echo("Kata sandi cadangan belum diatur; tidak ada yang dilakukan.")
            return
    click.echo("Mencadangkan ...")
    try:
        _run_id, path = run_backup(folder, trigger=trigger, run_id=run_id, echo=_echo_progress)
    except BackupError as error:
        fail(str(error))
    click.echo(f"Cadangan selesai: {path} ({path.stat().st_size:,} bita)".replace(",", "."))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--passphrase-stdin", is_flag=True, help="Baca kata sandi cadangan dari standar input")
@click.option("--yes", is_flag=True, help="Jangan bertanya lagi sebelum mengganti basis data")
@with_appcontext
def restore_command(file, passphrase_stdin, yes):
    """Restore a backup over the database (stop the service first); the replaced database is kept."""
    passphrase = read_secret("Kata sandi cadangan", passphrase_stdin)
    if not yes:
        if not sys.stdin.isatty():
            fail("tambahkan --yes untuk memulihkan tanpa pertanyaan.")
        click.confirm("Basis data sekarang akan diganti isi cadangan (yang lama disimpan). Lanjutkan?", abort=True)
    try:
        result = restore(file, passphrase, echo=click.echo)
    except RestoreError as error:
        fail(f"{error} Basis data tidak diubah.")
    for warning in result.warnings:
        click.echo(f"Peringatan: {warning}")
    rows = sum(t["rows"] for t in result.tables.values())
    click.echo(f"Pemulihan selesai: {len(result.tables)} tabel, {rows:,} baris diperiksa.".replace(",", "."))
    if result.migrated:
        click.echo("Cadangan dari versi lama telah dimigrasikan ke versi ini.")
    if result.replaced:
        click.echo(f"Basis data sebelumnya disimpan sebagai: {result.replaced}")
    click.echo("Jalankan kembali layanan: sudo systemctl start kupang")


@click.command("backup-passphrase")
@click.option("--passphrase-stdin", is_flag=True,
              help="Baca dari standar input: kata sandi baru (dan yang sekarang di baris berikutnya bila sudah ada)")
@with_appcontext
def passphrase_command(passphrase_stdin):
    """Set (once) or change the passphrase backups are encrypted with; only its public key is stored."""
    exists = bool(keys.current_recipient())
    new = read_secret("Kata sandi cadangan baru", passphrase_stdin, confirm=not passphrase_stdin)
    current = read_secret("Kata sandi cadangan yang sekarang", passphrase_stdin) if exists else None
    try:
        with write_intent():
            db.session.commit()
            from .. import audit

            if keys.set_passphrase(new, new, current=current):
                audit.record("backup_passphrase_set", "setting", keys.RECIPIENT_KEY, username="cli")
            db.session.commit()
    except keys.PassphraseError as error:
        db.session.rollback()
        fail(str(error))
    click.echo("Kata sandi cadangan disimpan (hanya kunci publiknya). Simpan kata sandi ini di tempat aman: "
               "tanpanya cadangan tidak dapat dipulihkan.")


COMMANDS = (backup_command, restore_command, passphrase_command)
