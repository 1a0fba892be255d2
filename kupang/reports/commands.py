"""Command-line tasks of the reports: the daily NIK snapshot."""
import click
from flask.cli import with_appcontext

from ..layout import format_number_id
from ..timeutil import format_date_id
from . import bp
from .snapshots import take_snapshot


@bp.cli.command("snapshot-nik")
@with_appcontext
def snapshot_nik():
    """Store today's NIK completeness (run daily, e.g. from a systemd timer or cron)."""
    row = take_snapshot()
    click.echo(f"Kelengkapan NIK {format_date_id(row.day)}: {row.with_nik} dari {row.residents} penduduk "
               f"({format_number_id(row.percent)}%) disimpan.")
