"""POST /kota/api/feed: an office's batch, on the city server only (JSON in, JSON out, no session)."""
import json
import zlib

from flask import abort, current_app, jsonify, request

from ...config import is_city
from ...extensions import csrf, db
from ...security import public
from .. import bp
from .apply import BatchError, apply_batch

# A batch holds at most PUSH_BATCH rows; a letter's frozen text is the largest (a few kB).
MAX_BATCH_BYTES = 16 * 1024 * 1024


def error(status, message, **extra):
    """A JSON refusal with an Indonesian message."""
    return jsonify(error=message, **extra), status


def read_body():
    """The request body, un-gzipped when sent so, refused past MAX_BATCH_BYTES (BatchError)."""
    if (request.content_length or 0) > MAX_BATCH_BYTES:
        raise BatchError(413, "Kiriman terlalu besar.")
    request.max_content_length = MAX_BATCH_BYTES
    body = request.get_data(cache=False)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_BATCH_BYTES + 1)
        except zlib.error:
            raise BatchError(400, "Kiriman gzip rusak.") from None
        if len(body) > MAX_BATCH_BYTES or inflater.unconsumed_tail:
            raise BatchError(413, "Kiriman terlalu besar.")
    return body


def decode_batch():
    """The JSON batch of this request (BatchError 400 / 413 / 415)."""
    if request.mimetype != "application/json":
        raise BatchError(415, "Kiriman harus berupa JSON (Content-Type: application/json).")
    body = read_body()
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BatchError(400, "Kiriman bukan JSON yang sah.") from None


def bearer_token():
    """The token of `Authorization: Bearer ...`, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.route("/kota/api/feed", methods=["POST"])
@public  # the office's bearer token, not a login, guards it
@csrf.exempt
def feed_api():
    """Apply one office's batch of changes (city server only); answers {"applied": seq}."""
    if not is_city(current_app):
        abort(404)
    try:
        payload = decode_batch()
        status, answer = apply_batch(bearer_token(), payload)
    except BatchError as refused:
        db.session.rollback()
        headers = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else {}
        return (*error(refused.status, str(refused)), headers)
    db.session.commit()
    return jsonify(answer), status


feed_api.city_only = True  # the access matrix expects 404 from it on an office, like every /kota page

