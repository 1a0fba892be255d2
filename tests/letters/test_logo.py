"""The letterhead logo from an SVG: rasterised by librsvg in a bounded process, hostile drawings refused."""
import base64
import contextlib
import io
import socket
import struct
import threading

import pytest

from kupang.letters import logo
from kupang.settings import get_setting
from tests.skip_policy import require_program

from .fixtures import letters_office, person
from .test_letter_pages import issued_letter, tiny_png

EMBLEM = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
          b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="150" viewBox="0 0 120 150">'
          b'<path d="M60 5 L115 30 L105 120 L60 145 L15 120 L5 30 Z" fill="#1d4e89" stroke="#c8a400" stroke-width="6"/>'
          b'<circle cx="60" cy="72" r="28" fill="#c8a400"/></svg>')


@pytest.fixture
def office(app):
    """Letter types, a signatory and a resident."""
    types, signatory = letters_office(app)
    return {"types": types, "signatory": signatory, "resident": person(app)}


@pytest.fixture(autouse=True)
def rasteriser():
    return require_program("rsvg-convert", "librsvg")


def png_size(data):
    assert data[:8] == logo.PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def upload(client, data, name="logo.svg"):
    return client.post("/admin/surat/logo", data={"logo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)


def kept_logo(app):
    with app.app_context():
        digest = get_setting("surat.logo")
        return (logo.logo_folder() / f"{digest}.png").read_bytes() if digest else None


def test_an_svg_logo_is_kept_as_a_png_that_fits_the_box_and_prints_on_letters(app, client, auth, make_user, office):
    make_user("admin", "admin1")
    make_user("clerk", "clerk1")
    auth.login("admin1")
    page = upload(client, EMBLEM)
    assert "Logo kop surat disimpan" in page
    kept = kept_logo(app)
    assert png_size(kept) == (480, 600)  # 120 x 150 fitted into 600 x 600, the aspect kept
    assert b"<svg" not in kept
    auth.logout()
    auth.login("clerk1")
    letter_id = issued_letter(app, client, office)
    printed = client.get(f"/surat/{letter_id}/cetak").get_data(as_text=True)
    assert "data:image/png;base64," + base64.b64encode(kept).decode() in printed
    assert "M60 5 L115" not in printed and "1d4e89" not in printed  # the drawing itself never reaches a page


def test_an_svg_named_png_and_a_png_named_svg_are_read_by_their_content(app, client, auth, make_user):
    make_user("admin", "admin1")
    auth.login("admin1")
    assert "Logo kop surat disimpan" in upload(client, EMBLEM, "logo.png")
    assert png_size(kept_logo(app)) == (480, 600)
    assert "Logo kop surat disimpan" in upload(client, tiny_png(3, 3), "logo.svg")
    assert png_size(kept_logo(app)) == (3, 3)


def test_script_and_event_handlers_never_reach_the_browser(app, client, auth, make_user):
    make_user("admin", "admin1")
    auth.login("admin1")
    hostile = EMBLEM.replace(b"<circle", b'<script>alert(1)</script><circle onload="alert(2)"')
    assert "Logo kop surat disimpan" in upload(client, hostile)
    kept = kept_logo(app)
    assert b"alert" not in kept and kept[:8] == logo.PNG_SIGNATURE
    page = client.get("/admin/surat").get_data(as_text=True)
    assert "alert(" not in page and "data:image/png;base64," in page


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
])
def test_entities_are_refused_and_nothing_changes(app, client, auth, make_user, doctype):
    make_user("admin", "admin1")
    auth.login("admin1")
    drawing = EMBLEM.replace(b"\n<svg", b"\n" + doctype + b"\n<svg").replace(b"</svg>", b"<text>&b;&x;</text></svg>")
    assert "tidak boleh memuat DOCTYPE atau ENTITY" in upload(client, drawing)
    assert kept_logo(app) is None


def test_a_drawing_that_names_files_and_urls_loads_none_of_them(app, client, auth, make_user, tmp_path):
    make_user("admin", "admin1")
    auth.login("admin1")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(3)
    port = listener.getsockname()[1]
    connections = []

    def watch():
        with contextlib.suppress(OSError):  # the timeout: nobody connected, as it should be
            connections.append(listener.accept())

    watcher = threading.Thread(target=watch)
    watcher.start()
    secret = tmp_path / "secret.png"
    secret.write_bytes(tiny_png(40, 40))
    plain = EMBLEM
    naming = EMBLEM.replace(b"</svg>", (
        f'<image href="file://{secret}" width="120" height="150"/>'
        f'<image href="http://127.0.0.1:{port}/logo.png" width="120" height="150"/>'
        f'<use href="http://127.0.0.1:{port}/sprite.svg#a"/></svg>').encode())
    assert "Logo kop surat disimpan" in upload(client, naming)
    from_naming = kept_logo(app)
    upload(client, plain)
    watcher.join()
    listener.close()
    assert connections == []  # no request left the machine's rasteriser, not even to 127.0.0.1
    assert from_naming == kept_logo(app)  # and the local file was not drawn in: pixel-identical to the plain one


def test_a_drawing_too_heavy_to_draw_is_stopped_and_refused(app, client, auth, make_user, monkeypatch):
    make_user("admin", "admin1")
    auth.login("admin1")
    monkeypatch.setattr(logo, "SVG_SECONDS", 2)  # the real limit is 10 s; this drawing takes over a minute
    heavy = [b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600"><defs><filter id="f" x="-5" y="-5"'
             b' width="11" height="11"><feGaussianBlur stdDeviation="300"/><feMorphology radius="200"/></filter>'
             b"</defs>"]
    heavy += [b'<rect width="600" height="600" filter="url(#f)"/>'] * 4000
    heavy.append(b"</svg>")
    assert "terlalu rumit untuk digambar" in upload(client, b"".join(heavy))
    assert kept_logo(app) is None


@pytest.mark.parametrize(("data", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect width='10'", "tidak dapat dibaca sebagai gambar"),
    (b"<svg>" + b" " * 300_000 + b"</svg>", "terlalu besar"),
    (b"GIF89a" + b"0" * 100, "harus gambar PNG atau SVG"),
])
def test_bad_uploads_get_a_clear_message_and_change_nothing(app, client, auth, make_user, data, message):
    make_user("admin", "admin1")
    auth.login("admin1")
    assert message in upload(client, data)
    assert kept_logo(app) is None


def test_a_drawing_of_absurd_size_is_drawn_into_the_box_not_at_its_size(app, client, auth, make_user):
    make_user("admin", "admin1")
    auth.login("admin1")
    wide = b'<svg xmlns="http://www.w3.org/2000/svg" width="100000000" height="1"><rect width="9" height="1"/></svg>'
    assert "Logo kop surat disimpan" in upload(client, wide)
    assert png_size(kept_logo(app)) == (600, 1)  # no 100-million-pixel surface was allocated


def test_without_rsvg_convert_an_svg_is_refused_with_what_to_install(app, client, auth, make_user, monkeypatch):
    make_user("admin", "admin1")
    auth.login("admin1")
    monkeypatch.setattr(logo.shutil, "which", lambda _name: None)
    assert "librsvg2-bin belum terpasang" in upload(client, EMBLEM)
    assert kept_logo(app) is None
    assert "Logo kop surat disimpan" in upload(client, tiny_png())  # a PNG still works
