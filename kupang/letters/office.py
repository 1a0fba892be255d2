"""The office's letter settings: letterhead, number format, sequence scope (kept as office settings)."""
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..settings import Setting, set_setting

DEFAULT_FORMAT = "{kode}/{nomor}/{kelurahan}/{bulan_romawi}/{tahun}"
SCOPES = {"kode": "Satu urutan per kode klasifikasi", "kantor": "Satu urutan untuk seluruh kantor"}
# key -> (label, default); stored as office settings "surat.<key>".
SETTINGS = {
    "format": ("Format nomor surat", DEFAULT_FORMAT),
    "scope": ("Urutan nomor", "kode"),
    "kelurahan": ("Singkatan kelurahan pada nomor", ""),
    "pemerintah": ("Baris kop 1", "PEMERINTAH KOTA KUPANG"),
    "kecamatan": ("Baris kop 2 (kecamatan)", ""),
    "alamat": ("Alamat kantor", ""),
    "telepon": ("Telepon", ""),
    "email": ("E-mail", ""),
}


def letter_settings():
    """Every letter setting (stored value, else its default) read in one query."""
    stored = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.like("surat.%"))).all())
    values = {}
    for key, (_label, default) in SETTINGS.items():
        values[key] = stored.get(f"surat.{key}") or default
    if not values["kecamatan"]:
        values["kecamatan"] = f"KECAMATAN {kecamatan_name().upper()}"
    if not values["kelurahan"]:
        values["kelurahan"] = current_app.config["KELURAHAN_CODE"][-4:]
    values["logo"] = stored.get("surat.logo") or ""  # the hash of the letterhead's logo (kupang/letters/logo.py)
    return values


def letter_setting(key):
    """One letter setting, else its default (the kecamatan and abbreviation derive from the office)."""
    return letter_settings()[key]


def save_letter_settings(values):
    """Store the posted settings in the current transaction; returns {key: (old, new)} of those changed."""
    changed = {}
    for key in SETTINGS:
        if key in values:
            new = (values[key] or "").strip()
            old = set_setting(f"surat.{key}", new)
            if (old or "") != new:
                changed[key] = (old, new)
    return changed


def kecamatan_name():
    """The kecamatan of the office, from the Kemendagri path ('Naikoten Dua, Kota Raja, Kota Kupang, ...')."""
    parts = [part.strip() for part in current_app.config.get("KELURAHAN_PATH", "").split(",")]
    return parts[1] if len(parts) > 1 else ""


def letterhead(settings=None):
    """The lines of the office's letterhead and its contact line."""
    settings = settings or letter_settings()
    contact = [settings["alamat"]]
    if settings["telepon"]:
        contact.append(f"Telp. {settings['telepon']}")
    if settings["email"]:
        contact.append(f"E-mail: {settings['email']}")
    return {
        "pemerintah": settings["pemerintah"],
        "kecamatan": settings["kecamatan"],
        "kelurahan": f"KELURAHAN {current_app.config['KELURAHAN_NAME'].upper()}",
        "kontak": " · ".join(part for part in contact if part),
    }


def office_placeholders(settings=None):
    """The `kantor.*` values templates may print."""
    settings = settings or letter_settings()
    return {
        "nama": current_app.config["OFFICE_NAME"],
        "kelurahan": current_app.config["KELURAHAN_NAME"],
        "kecamatan": kecamatan_name(),
        "kota": "Kupang",
        "alamat": settings["alamat"],
    }
