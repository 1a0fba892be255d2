"""Queue CLI: flask --app app pair-device kiosk|display NAME, flask --app app close-day."""
import click

from ..db import write_intent
from ..extensions import db
from ..timeutil import office_today
from . import bp
from .devices import DEVICE_KINDS, DeviceError, create_device, format_code, pairing_link
from .numbering import expire_waiting_tickets


@bp.cli.command("pair-device")
@click.argument("kind", type=click.Choice(sorted(DEVICE_KINDS)))
@click.argument("name")
def pair_device_command(kind, name):
    """Create a kiosk or display and print its one-time pairing link (valid 24 hours)."""
    try:
        with write_intent():
            device, code = create_device(kind, name, None)
            link = pairing_link(code)
            db.session.commit()
    except DeviceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"{DEVICE_KINDS[kind]} \"{device.name}\" dibuat.")
    click.echo(f"Buka tautan ini di perangkat tersebut (berlaku 24 jam, sekali pakai):\n  {link}")
    click.echo(f"Atau masukkan kode: {format_code(code)}")


@bp.cli.command("close-day")
def close_day_command():
    """Close tickets of earlier days that are still waiting or called as expired."""
    with write_intent():
        count = expire_waiting_tickets(office_today())
        db.session.commit()
    click.echo(f"{count} tiket dari hari sebelumnya ditutup sebagai kedaluwarsa.")
