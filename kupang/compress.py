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
        or "gzip" not in request.headers.get("Accept-Encoding", "")
    ):
        return response
    response.vary.add("Accept-Encoding")
    if response.is_streamed and not response.direct_passthrough:
        return response
    if response.direct_passthrough:
        # A static file: compress once per file version and keep the bytes.
        key = (request.path, response.headers.get("ETag"))
        with _static_lock:
            body = _static_cache.get(key)
        if body is None:
            raw = b"".join(response.response)
            body = gzip.compress(raw, compresslevel=9, mtime=0)
            with _static_lock:
                _static_cache[key] = body
        response.direct_passthrough = False
        if hasattr(response.response, "close"):
            response.response.close()
    else:
        raw = response.get_data()
        if len(raw) < MIN_SIZE:
            return response
        body = gzip.compress(raw, compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    return response
