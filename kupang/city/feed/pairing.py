"""Pairing an office with the city: a long random token shown once, only its SHA-256 kept, revocable."""
import os
import secrets

from sqlalchemy import select

from ... import audit
from ...config import ConfigError, lookup_kelurahan
from ...extensions import db
from ...timeutil import now_utc
from ..models import CityOffice
from .apply import token_hash

KOTA_KUPANG = "53.71."


class PairingError(ValueError):
    """An office cannot be paired or revoked; the message is Indonesian."""


def kupang_kelurahan(code):
    """(name, kecamatan code) of a kelurahan of Kota Kupang, or PairingError."""
    code = (code or "").strip()
    if not code.startswith(KOTA_KUPANG):
        raise PairingError(f"Kode {code!r} bukan kelurahan Kota Kupang (53.71.xx.xxxx).")
    try:
        name, _path = lookup_kelurahan(code)
    except ConfigError as error:
        raise PairingError(str(error)) from None
    return name, code[:8]


def pair_office(code):
    """Create or re-key the office; returns (office, token). The old token stops working at once."""
    name, kecamatan = kupang_kelurahan(code)
    office = db.session.scalar(select(CityOffice).where(CityOffice.code == code.strip()))
    if office is None:
        office = CityOffice(code=code.strip(), applied_seq=0, waiting=0)
        db.session.add(office)
    token = secrets.token_urlsafe(32)
    office.name, office.kecamatan_code = name, kecamatan
    office.token_hash = token_hash(token)
    office.paired_at, office.revoked_at = now_utc(), None
    db.session.flush()
    audit.record("city_office_paired", "city_office", None, code=office.code, name=name)
    return office, token


def revoke_office(code):
    """Stop the office's token; its rows stay. PairingError when the office is not paired."""
    office = db.session.scalar(select(CityOffice).where(CityOffice.code == (code or "").strip()))
    if office is None:
        raise PairingError(f"Kantor {code} belum dipasangkan.")
    office.token_hash, office.revoked_at = None, now_utc()
    audit.record("city_office_revoked", "city_office", None, code=office.code)
    return office


def setup_line(token, url=None):
    """The settings the office puts in /etc/kupang/kupang.env (the city's address: KUPANG_PUBLIC_URL)."""
    url = (url or os.environ.get("KUPANG_PUBLIC_URL", "").strip() or "https://ALAMAT-SERVER-KOTA").rstrip("/")
    return f"KUPANG_CITY_URL={url} KUPANG_CITY_TOKEN={token}"
