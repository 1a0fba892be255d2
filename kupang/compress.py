"""gzip for pages and static files: the office link and old PCs both gain from fewer bytes."""
import gzip
import threading

from flask import request

COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/csv", "text/plain"}
MIN_SIZE = 500
_static_cache = {}
_static_lock = threading.Lock()


def gzip_response(response):
    """Compress a response when the client accepts gzip and it is worth it."""
    if (
        response.status_code < 200
        or response.status_code in (204, 304)
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return response
    if response.direct_passthrough:
        return _gzip_static(response)
    if response.is_streamed:
        return response
    raw = response.get_data()
    if len(raw) < MIN_SIZE:
        return response
    return _send_gzip(response, gzip.compress(raw, compresslevel=6, mtime=0))


def _gzip_static(response):
    """A static file compressed once per file version; only a complete 200 ever enters the cache.

    A Range answer (206) is sent as is: caching its part as "the file" would truncate every later
    full download in this worker. The gzip copy carries its own ETag (`"<file etag>-gz"`): it is a
    different byte sequence, so If-Range with it never yields a part of the identity file, and
    If-None-Match with it is answered 304 here.
    """
    etag, _weak = response.get_etag()
    if response.status_code != 200 or "Content-Range" in response.headers or not etag:
        return response
    gzip_etag = f"{etag}-gz"
    if request.if_none_match.contains_weak(gzip_etag):
        _close(response)
        response.status_code = 304
        response.response = []
        response.headers.pop("Content-Length", None)
        response.set_etag(gzip_etag)
        return response
    key = (request.path, etag)
    with _static_lock:
        body = _static_cache.get(key)
    if body is None:
        body = gzip.compress(b"".join(response.response), compresslevel=9, mtime=0)
        with _static_lock:
            _static_cache[key] = body
    _close(response)
    response.set_etag(gzip_etag)
    return _send_gzip(response, body)


def _close(response):
    """Release the file behind a pass-through response we replace."""
    response.direct_passthrough = False
    if hasattr(response.response, "close"):
        response.response.close()


def _send_gzip(response, body):
    """Put the compressed body in place with its headers."""
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    return response
