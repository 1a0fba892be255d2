"""Error pages of the kiosk and the TV: "Sebentar, menyambung kembali…", then back to /kiosk or /layar by itself.

A device has nobody to log in and no keyboard: it must never see the staff error page or a link to the
login. The page is chosen from the path alone (and the device the guard already loaded), without a
database query, because the database may be what failed.
"""
from flask import g, has_request_context, render_template, request
from sqlalchemy import inspect

from . import bp
from .devices import COOKIE_NAME

HOMES = {"kiosk": "/kiosk", "display": "/layar"}
RETRY_SECONDS = 3
# Shown in small print under the message, so staff looking at a device can tell what happened.
CODE_HINTS = {400: "permintaan tidak berlaku", 403: "akses perangkat", 404: "halaman tidak ada",
              405: "permintaan tidak berlaku", 429: "terlalu banyak permintaan", 500: "gangguan server",
              503: "server sibuk"}


def device_kind_for_request():
    """'kiosk' or 'display' when this request comes from (or is meant for) a device page, else None."""
    if not has_request_context():
        return None
    device = g.get("device")
    kind = inspect(device).dict.get("kind") if device is not None else None  # loaded state only: no query
    if kind in HOMES:
        return kind
    path = request.path
    if path == "/kiosk" or path.startswith("/kiosk/"):
        return "kiosk"
    if path == "/layar" or path.startswith("/layar/"):
        return "display"
    if path.startswith("/tiket/") and path.endswith("/cetak") and request.cookies.get(COOKIE_NAME):
        return "kiosk"  # the ticket a kiosk just printed
    return None


def device_error_page(code):
    """The device's own error page for an HTTP status, or None for staff and public pages."""
    kind = device_kind_for_request()
    if kind is None:
        return None
    home = HOMES[kind]
    template = "errors/_device.html" if request.headers.get("HX-Request") else "errors/device.html"
    return render_template(template, code=code, kind=kind, home=home, retry=RETRY_SECONDS,
                           hint=CODE_HINTS.get(code, "gangguan")), code


@bp.record_once
def _register(state):
    from .. import register_error_page

    register_error_page(state.app, device_error_page)
