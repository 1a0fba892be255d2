"""gzip of static files through a real gunicorn: Range, HEAD and If-None-Match never spoil the cached copy.

One worker, so the poisoning request and the later full GETs certainly meet the same in-memory cache.
The database plays no part here: SQLite alone.
"""
import gzip
import http.client
import shutil

import pytest

from tests.concurrency import ROOT, Gunicorn

HTMX = "/static/vendor/htmx.min.js"
CSS = "/static/css/app.css"


@pytest.fixture
def one_worker(tmp_path, sqlite_template, instance_dir):
    """gunicorn with one worker (the shipped config otherwise) on a copy of the migrated database."""
    database = tmp_path / "kupang.db"
    shutil.copy(sqlite_template, database)
    server = Gunicorn(f"sqlite:///{database}", instance_dir, tmp_path / "gunicorn.log", workers=1).start()
    yield server
    server.stop()
    assert "Traceback" not in server.log()


def fetch(server, path, method="GET", **headers):
    """(status, headers, raw body bytes) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def file_bytes(path):
    """The file on disk behind a /static/ path."""
    return (ROOT / path.lstrip("/")).read_bytes()


@pytest.mark.parametrize("path", [HTMX, CSS])
def test_a_range_request_does_not_poison_the_gzip_cache(one_worker, path):
    whole = file_bytes(path)
    status, headers, body = fetch(one_worker, path, Range="bytes=0-99", **{"Accept-Encoding": "gzip"})
    assert status == 206 and body == whole[:100]
    assert "content-encoding" not in headers and headers["content-range"] == f"bytes 0-99/{len(whole)}"
    for _ in range(3):
        status, headers, body = fetch(one_worker, path, **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == whole  # the full file, not the 100 bytes of the range
        assert int(headers["content-length"]) == len(body)
    plain = fetch(one_worker, path)
    assert plain[0] == 200 and plain[2] == whole and "content-encoding" not in plain[1]
    again = fetch(one_worker, path, Range="bytes=100-199", **{"Accept-Encoding": "gzip"})
    assert again[0] == 206 and again[2] == whole[100:200]


def test_head_first_then_get_gives_the_whole_file(one_worker):
    whole = file_bytes(HTMX)
    status, headers, body = fetch(one_worker, HTMX, method="HEAD", **{"Accept-Encoding": "gzip"})
    assert status == 200 and body == b"" and headers["content-encoding"] == "gzip"
    head_length = int(headers["content-length"])
    status, headers, body = fetch(one_worker, HTMX, **{"Accept-Encoding": "gzip"})
    assert status == 200 and gzip.decompress(body) == whole and len(body) == head_length


def test_if_none_match_answers_304_for_both_encodings(one_worker):
    whole = file_bytes(CSS)
    status, headers, body = fetch(one_worker, CSS, **{"Accept-Encoding": "gzip"})
    zipped_etag = headers["etag"]
    assert status == 200 and gzip.decompress(body) == whole
    status, headers, body = fetch(one_worker, CSS)
    plain_etag = headers["etag"]
    assert status == 200 and body == whole
    assert zipped_etag != plain_etag  # a different byte sequence: never the same strong validator
    for etag, encoding in [(zipped_etag, "gzip"), (plain_etag, "identity"), (plain_etag, "gzip")]:
        status, headers, body = fetch(one_worker, CSS, **{"If-None-Match": etag, "Accept-Encoding": encoding})
        assert status == 304 and body == b"" and "content-encoding" not in headers
    # A client that holds the gzip copy but no longer accepts gzip gets the whole plain file.
    status, headers, body = fetch(one_worker, CSS, **{"If-None-Match": zipped_etag, "Accept-Encoding": "identity"})
    assert status == 200 and body == whole
    status, _headers, body = fetch(one_worker, CSS, **{"Accept-Encoding": "gzip"})
    assert status == 200 and gzip.decompress(body) == whole


def test_if_range_with_the_gzip_etag_sends_the_whole_file(one_worker):
    """A weak (gzip) validator must not satisfy If-Range: the client gets the full identity file."""
    whole = file_bytes(CSS)
    _status, headers, _body = fetch(one_worker, CSS, **{"Accept-Encoding": "gzip"})
    status, headers, body = fetch(one_worker, CSS, Range="bytes=0-9", **{"If-Range": headers["etag"]})
    assert status == 200 and body == whole
