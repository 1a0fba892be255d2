"""Paired devices (kiosk, display): one-time pairing codes, long-lived revocable tokens, the device guard.

A device token is a cookie read only by views wrapped in `device_required`; it never logs anyone in
as staff and opens no other page. Codes and tokens are stored as SHA-256 hashes only.
"""
import hashlib
import os
import secrets
import socket
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, g, has_request_context, redirect, request, url_for
from sqlalchemy import select, update

from .. import audit
from ..db import write_transaction
from ..extensions import db
from ..htmx import is_htmx
from ..timeutil import now_utc
from .models import Device

DEVICE_KINDS = {"kiosk": "Kiosk antrian", "display": "Layar TV", "survey": "Tablet survei kepuasan"}
HOME_ENDPOINTS = {"kiosk": "queue.kiosk", "display": "queue.display", "survey": "survey.tablet"}
COOKIE_NAME = "kupang_device"
COOKIE_MAX_AGE = 365 * 24 * 3600
PAIRING_HOURS = 24
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a TV remote
CODE_LENGTH = 10
SEEN_EVERY = timedelta(minutes=1)


class DeviceError(ValueError):
    """A device cannot be created or paired; the message is Indonesian."""


def digest(secret):
    """The stored form of a pairing code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code):
    """A typed pairing code without spaces or dashes, upper case."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(code):
    """'ABCDE-FGHJK' for reading and typing."""
    return f"{code[:5]}-{code[5:]}"


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_device(kind, name, user):
    """Add a kiosk or display and return (device, pairing_code); the code is shown once, valid 24 hours."""
    name = (name or "").strip()
    if kind not in DEVICE_KINDS:
        raise DeviceError("Jenis perangkat harus kiosk, layar, atau tablet survei.")
    if not name:
        raise DeviceError("Nama perangkat wajib diisi.")
    if len(name) > 60:
        raise DeviceError("Nama perangkat maksimal 60 karakter.")
    device = Device(kind=kind, name=name, created_at=now_utc(), created_by_id=getattr(user, "id", None))
    db.session.add(device)
    code = _set_pairing_code(device)
    db.session.flush()
    audit.record("device_created", "device", device.id, user=user, kind=kind, name=name)
    return device, code


def new_pairing_code(device, user):
    """A fresh one-time code for an existing device (a replaced browser); the old token stops working."""
    if device.revoked_at is not None:
        raise DeviceError("Perangkat ini sudah dicabut; buat perangkat baru.")
    code = _set_pairing_code(device)
    device.token_hash = None
    device.paired_at = None
    audit.record("device_code_renewed", "device", device.id, user=user, name=device.name)
    return code


def _set_pairing_code(device):
    code = _new_code()
    device.pairing_code_hash = digest(code)
    device.pairing_expires_at = now_utc() + timedelta(hours=PAIRING_HOURS)
    return code


def pair_device(code):
    """Exchange a valid one-time code for (device, token); the code cannot be used again."""
    code = normalise_code(code)
    if not code:
        raise DeviceError("Masukkan kode pemasangan.")
    device = db.session.scalar(select(Device).where(Device.pairing_code_hash == digest(code)))
    if device is None or device.revoked_at is not None:
        raise DeviceError("Kode pemasangan salah atau sudah dipakai.")
    if device.pairing_expires_at is None or device.pairing_expires_at < now_utc():
        raise DeviceError("Kode pemasangan sudah kedaluwarsa. Minta admin membuat kode baru.")
    token = secrets.token_urlsafe(32)
    device.token_hash = digest(token)
    device.pairing_code_hash = None
    device.pairing_expires_at = None
    device.paired_at = device.last_seen_at = now_utc()
    audit.record("device_paired", "device", device.id, name=device.name, kind=device.kind)
    return device, token


def revoke_device(device, user):
    """Cut a device off: its token stops working at its next request."""
    if device.revoked_at is None:
        device.revoked_at = now_utc()
        device.token_hash = None
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        audit.record("device_revoked", "device", device.id, user=user, name=device.name)


def set_device_cookie(response, token):
    """Store the device token: HttpOnly, SameSite=Strict, Secure over HTTPS, kept about a year."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure)
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict",
                        secure=secure, path="/")
    return response


def current_device():
    """The paired, unrevoked device this request comes from, or None."""
    if "device" in g:
        return g.device
    token = request.cookies.get(COOKIE_NAME, "")
    device = None
    if 20 <= len(token) <= 100:
        device = db.session.scalar(select(Device).where(Device.token_hash == digest(token),
                                                        Device.revoked_at.is_(None)))
    g.device = device
    return device


def touch(device):
    """Record that the device was seen, at most once a minute, in its own short write transaction."""
    now = now_utc()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    with write_transaction() as session:
        session.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now)
                        .execution_options(synchronize_session=False))
    # The commit expired the object: its next read loads the new time in a fresh read transaction.


def pairing_redirect():
    """Send an unpaired or revoked browser to the pairing page (htmx: 401 with HX-Redirect)."""
    url = url_for("queue.pair")
    if is_htmx():
        response = current_app.response_class("", status=401)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def device_required(*kinds):
    """Allow a view only to a paired device of one of the kinds; sets g.device."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            device = current_device()
            if device is None:
                return pairing_redirect()
            if device.kind not in kinds:
                abort(403)
            touch(device)
            return view(*args, **kwargs)

        wrapped.device_kinds = frozenset(kinds)
        return wrapped

    return decorator


def public_base_url():
    """The base of links printed for set-up: KUPANG_PUBLIC_URL, the request host, else http://<host>:<port>.

    The port is KUPANG_BIND's (8000 by default), the one `make run` serves on.
    """
    configured = os.environ.get("KUPANG_PUBLIC_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    port = os.environ.get("KUPANG_BIND", "").rpartition(":")[2].strip()
    return f"http://{socket.gethostname()}:{port if port.isdigit() else 8000}"


def pairing_link(code):
    """The one-time link that pairs a device."""
    path = current_app.url_map.bind("localhost").build("queue.pair", {"kode": format_code(code)})
    return public_base_url() + path
