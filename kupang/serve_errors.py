"""Refusals gunicorn answers before the app sees a request (a line or header too long, a garbled request).

gunicorn writes them with its own bare English page and no security headers; its workers write them
through `gunicorn.util.write_error`, which `install()` replaces with this page: Indonesian, the same
headers as every app response, nothing of the request echoed back.
"""
import html

from .security import SECURITY_HEADERS

PAGES = {
    400: ("Permintaan tidak valid", "Permintaan yang dikirim tidak dapat dibaca. Muat ulang halaman lalu coba lagi."),
    414: ("Alamat terlalu panjang", "Alamat halaman yang dibuka terlalu panjang. Kembali ke halaman sebelumnya lalu "
                                    "persingkat isian pencarian."),
    431: ("Permintaan terlalu besar", "Peramban mengirim data tambahan yang terlalu besar. Hapus cookie situs ini "
                                      "lalu coba lagi."),
    500: ("Terjadi kesalahan", "Maaf, terjadi kesalahan pada sistem. Coba lagi; bila berulang, hubungi admin."),
}


def error_bytes(status, reason):
    """The whole HTTP response for a refusal: status line, headers, Indonesian page."""
    title, text = PAGES.get(status, PAGES[400 if status < 500 else 500])
    body = (f'<!doctype html>\n<html lang="id">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/css/app.css"></head>\n<body><main class="narrow">'
            f'<section class="panel error-page"><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>'
            f'<p><a href="/">Ke halaman utama</a></p></section></main></body>\n</html>\n').encode()
    headers = {"Connection": "close", "Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)),
               "Cache-Control": "no-store", **SECURITY_HEADERS}
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def write_error(sock, status_int, reason, _mesg):
    """gunicorn's write_error, in the app's style (the message, which may echo the request, is dropped)."""
    from gunicorn.util import write_nonblock

    write_nonblock(sock, error_bytes(status_int, reason))


def install():
    """Make this gunicorn worker write its own refusals with error_bytes (gunicorn.conf.py post_fork)."""
    from gunicorn import util

    util.write_error = write_error
