"""Over-long requests get the app's own Indonesian answer with the security headers, through real gunicorn.

gunicorn's limits let request lines up to 8,190 bytes reach the app, which refuses URLs past
MAX_URL_CHARS itself; what gunicorn still refuses (longer lines, huge headers) is answered by the
project's worker class in the same way.
"""
import http.client
import socket

import pytest

from kupang.security import MAX_URL_CHARS

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def fetch(server, path, headers=None):
    """(status, lower-cased headers, body text) of one GET on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode("utf-8", errors="replace")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def raw_exchange(server, data):
    """Send raw bytes, read until the server closes; (status, lower-cased headers, body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body.decode("utf-8", "replace")


def assert_refused_in_indonesian(status, headers, body, code, words):
    """The app's style of refusal: the status, every security header, an Indonesian page."""
    assert status == code
    assert all(name in headers for name in SECURITY_HEADERS), headers
    assert headers["content-type"].startswith("text/html")
    assert words in body and '<html lang="id">' in body


def test_a_5000_character_query_is_answered_by_the_app(gunicorn):
    status, headers, body = fetch(gunicorn, "/penduduk?q=" + "a" * 5000)
    assert_refused_in_indonesian(status, headers, body, 414, "Alamat terlalu panjang")
    assert "Kantor Kelurahan" in body  # the app's own page, with the office's name


def test_a_url_just_under_the_cap_reaches_the_view(gunicorn):
    path = "/masuk?next=/" + "a" * (MAX_URL_CHARS - len("/masuk?next=/"))
    status, headers, _body = fetch(gunicorn, path)
    assert status == 200 and "content-security-policy" in headers


def test_a_line_past_gunicorns_limit_still_gets_headers(gunicorn):
    status, headers, body = raw_exchange(gunicorn, b"GET /penduduk?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_refused_in_indonesian(status, headers, body, 414, "Alamat terlalu panjang")


def test_an_oversized_header_gets_headers(gunicorn):
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Besar: " + b"b" * 9000 + b"\r\n\r\n"
    status, headers, body = raw_exchange(gunicorn, request)
    assert_refused_in_indonesian(status, headers, body, 431, "Permintaan terlalu besar")


def test_a_garbled_request_line_gets_headers(gunicorn):
    status, headers, body = raw_exchange(gunicorn, b"\x00\x01 nonsense\r\n\r\n")
    assert_refused_in_indonesian(status, headers, body, 400, "Permintaan tidak valid")


@pytest.mark.parametrize("path", ["/penduduk?q=" + "a" * 3000, "/audit?pengguna=" + "x" * 3000])
def test_long_urls_in_the_test_client_too(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 414 and "Alamat terlalu panjang" in response.get_data(as_text=True)
    htmx = client.get(path, headers={"HX-Request": "true"})
    assert htmx.status_code == 414 and "<html" not in htmx.get_data(as_text=True)
