"""Feed CLI: flask --app app city-feed [--once] (office), city-pair / city-revoke OFFICE_CODE (city)."""
import signal
import threading

import click
from flask import current_app

from ...config import is_city
from ...db import write_intent
from ...extensions import db
from .. import bp
from .pairing import PairingError, pair_office, revoke_office, setup_line
from .push import feed_enabled, push_once, push_until_drained

IDLE_SECONDS = 10


def _require_city():
    if not is_city(current_app):
        raise click.ClickException("Perintah ini hanya untuk server kota (KUPANG_ROLE=city).")


@bp.cli.command("city-pair")
@click.argument("office_code")
@click.option("--url", default=None, help="Alamat server kota untuk baris pengaturan kantor")
def city_pair_command(office_code, url):
    """Pair (or re-key) an office with the city and print its token once."""
    _require_city()
    try:
        with write_intent():
            office, token = pair_office(office_code)
            db.session.commit()
    except PairingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Kantor {office.code} ({office.name}) dipasangkan. Token lama, bila ada, tidak berlaku lagi.")
    click.echo("Token ini hanya ditampilkan sekali; tulis di /etc/kupang/kupang.env kantor tersebut:")
    click.echo(f"  {setup_line(token, url)}")


@bp.cli.command("city-revoke")
@click.argument("office_code")
def city_revoke_command(office_code):
    """Revoke an office's token (its rows stay at the city)."""
    _require_city()
    try:
        with write_intent():
            office = revoke_office(office_code)
            db.session.commit()
    except PairingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Token kantor {office.code} dicabut; kirimannya ditolak sampai dipasangkan lagi.")


@bp.cli.command("city-feed")
@click.option("--once", is_flag=True, help="Kirim sampai habis (atau gagal) lalu berhenti")
def city_feed_command(once):
    """Push the office's changes to the city: until drained (--once), or for ever (the service)."""
    if not feed_enabled():
        click.echo("Kiriman ke server kota tidak diatur (KUPANG_CITY_URL dan KUPANG_CITY_TOKEN); berhenti.")
        return
    if once:
        result = push_until_drained()
        click.echo(f"{result.status}: {result.message or 'selesai'} (menunggu {result.waiting})")
        if result.status == "failed":
            raise SystemExit(1)
        return
    run_forever()


def run_forever():
    """The service loop: push while changes wait, pause when idle or backing off, stop on SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Kiriman ke {current_app.config['CITY_URL']} berjalan.")
    while not stop.is_set():
        result = push_once(honour_backoff=True)
        if result.status == "failed":
            click.echo(result.message, err=True)
        if result.status == "sent" and result.waiting:
            continue
        stop.wait(IDLE_SECONDS)
    click.echo("Kiriman ke server kota berhenti.")
