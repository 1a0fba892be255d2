"""The office logo on the letterhead: a small PNG, checked by its own header, kept by its hash.

Issued letters name the logo they were printed with (its SHA-256) in their snapshot, so replacing the logo
never changes an issued letter. SVG is refused: a drawing that can carry script would need sanitising, and
no rasteriser ships with the app; the admin exports the logo as PNG instead.
"""
import base64
import hashlib
import os
import struct
from pathlib import Path

from flask import current_app

from ..settings import get_setting, set_setting

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class LogoProblem(ValueError):
    """An upload that cannot be the logo; the message is Indonesian."""


def logo_folder():
    """instance/letter-logos/, where logos are kept under their hash."""
    return Path(current_app.instance_path) / "letter-logos"


def check_png(data):
    """(width, height) of a PNG of acceptable size, else LogoProblem."""
    if data[:5] == b"<?xml" or b"<svg" in data[:512]:
        raise LogoProblem("Logo SVG tidak diterima. Simpan logo sebagai PNG lalu unggah lagi.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoProblem(f"Berkas logo terlalu besar (maksimal {LOGO_MAX_BYTES // 1024} KB).")
    if len(data) < 33 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise LogoProblem("Berkas logo harus gambar PNG.")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
        raise LogoProblem(f"Ukuran gambar logo tidak wajar (maksimal {LOGO_MAX_SIDE} piksel per sisi).")
    return width, height


def save_logo(data):
    """Keep a checked PNG under its hash and make it the office logo (setting in the current transaction)."""
    check_png(data)
    digest = hashlib.sha256(data).hexdigest()
    folder = logo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.png"
    if not target.exists():
        partial = folder / f".{digest}.{os.getpid()}.tmp"
        partial.write_bytes(data)
        os.replace(partial, target)
    set_setting("surat.logo", digest)
    return digest


def remove_logo():
    """No logo on letters issued from now on (files of issued letters are kept)."""
    set_setting("surat.logo", "")


def current_logo():
    """The hash of the logo letters are issued with now, or ''."""
    return get_setting("surat.logo") or ""


def logo_data_uri(digest):
    """The logo with this hash as a data: URI (allowed by the CSP's img-src), or None when missing."""
    if not digest or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        return None
    path = logo_folder() / f"{digest}.png"
    if not path.exists():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
