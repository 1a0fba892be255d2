"""The office logo on the letterhead: a small PNG, checked by its own header, kept by its hash.

Issued letters name the logo they were printed with (its SHA-256) in their snapshot, so replacing the logo
never changes an issued letter. An SVG upload is rasterised to PNG at upload time by librsvg's
`rsvg-convert` (Debian package librsvg2-bin) in a separate process with a time and memory limit; only the
PNG is kept and ever reaches a browser, so no script, link or style of the drawing can run. librsvg reads
the drawing from standard input with no base address, so it loads no file or URL the drawing names, and
it refuses entity loops; a DOCTYPE is refused before it is even started.
"""
import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

from flask import current_app

from ..settings import get_setting, set_setting

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_BOX = 600  # an SVG is drawn to fit 600 x 600 px: about 5 cm at 300 dpi, sharp on the letterhead
SVG_SECONDS = 10
SVG_MEMORY = 512 * 1024 * 1024
SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml|<svg|<!--)", re.IGNORECASE)


class LogoProblem(ValueError):
    """An upload that cannot be the logo; the message is Indonesian."""


def logo_folder():
    """instance/letter-logos/, where logos are kept under their hash."""
    return Path(current_app.instance_path) / "letter-logos"


def is_svg(data):
    """Whether an upload is an SVG drawing (by its text, not its file name)."""
    return bool(SVG_START.match(data[:64])) or b"<svg" in data[:1024].lower()


def check_png(data):
    """(width, height) of a PNG of acceptable size, else LogoProblem."""
    if len(data) > LOGO_MAX_BYTES:
        raise LogoProblem(f"Berkas logo terlalu besar (maksimal {LOGO_MAX_BYTES // 1024} KB).")
    if len(data) < 33 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise LogoProblem("Berkas logo harus gambar PNG atau SVG.")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
        raise LogoProblem(f"Ukuran gambar logo tidak wajar (maksimal {LOGO_MAX_SIDE} piksel per sisi).")
    return width, height


def rasterise_svg(data):
    """The PNG of an SVG logo (fitted into SVG_BOX), or LogoProblem with the reason in Indonesian."""
    if len(data) > LOGO_MAX_BYTES:
        raise LogoProblem(f"Berkas logo terlalu besar (maksimal {LOGO_MAX_BYTES // 1024} KB).")
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise LogoProblem("Logo SVG tidak boleh memuat DOCTYPE atau ENTITY. Simpan ulang logo sebagai SVG biasa "
                          "atau PNG lalu unggah lagi.")
    program = shutil.which("rsvg-convert")
    if program is None:
        raise LogoProblem("Logo SVG belum dapat diproses di komputer ini (program rsvg-convert dari paket Debian "
                          "librsvg2-bin belum terpasang). Minta admin memasangnya, atau unggah logo sebagai PNG.")
    try:
        # The shell sets the limits before exec (preexec_fn is unsafe in gunicorn's threaded workers).
        done = subprocess.run(["/bin/sh", "-c", f"ulimit -t {SVG_SECONDS} -v {SVG_MEMORY // 1024}; exec \"$0\" \"$@\"",
                               program, "--format", "png", "--width", str(SVG_BOX), "--height", str(SVG_BOX),
                               "--keep-aspect-ratio"], input=data, capture_output=True, timeout=SVG_SECONDS,
                              env={"PATH": os.defpath}, check=False)
    except subprocess.TimeoutExpired:
        raise LogoProblem("Logo SVG terlalu rumit untuk digambar. Sederhanakan logo atau unggah sebagai PNG.") \
            from None
    if done.returncode != 0 or not done.stdout.startswith(PNG_SIGNATURE):
        raise LogoProblem("Berkas SVG tidak dapat dibaca sebagai gambar. Periksa berkasnya atau unggah logo "
                          "sebagai PNG.")
    return done.stdout


def logo_png(data):
    """The PNG to keep for an upload: a PNG as it is, an SVG rasterised; checked either way."""
    png = rasterise_svg(data) if is_svg(data) else data
    check_png(png)
    return png


def save_logo(data):
    """Keep the upload (PNG, or SVG rasterised) under its hash as the office logo (setting in this transaction)."""
    data = logo_png(data)
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
