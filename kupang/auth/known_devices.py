"""Known devices: a browser where an account logged in successfully keeps a signed, long-lived mark of it.

Failed logins from such a browser count against that browser alone, so a stranger elsewhere who types
wrong passwords for the account (and so locks the account's slow limit) never locks its owner out there.
The cookie holds no secret of the account: (user id, random nonce) pairs signed with the app's key.
"""
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "kupang_known"
MAX_AGE_DAYS = 180
MAX_ACCOUNTS = 8  # a shared office PC: every clerk who logs in on it


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="kupang-known-device")


def _entries():
    """[(user id, nonce), ...] from this browser's cookie; empty when missing, forged or too old."""
    raw = request.cookies.get(COOKIE_NAME, "")
    if not raw or len(raw) > 2000:
        return []
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 24 * 3600)
    except BadSignature:  # also SignatureExpired
        return []
    if not isinstance(data, list):
        return []
    return [(uid, nonce) for uid, nonce in (e for e in data if isinstance(e, list) and len(e) == 2)
            if isinstance(uid, int) and isinstance(nonce, str) and len(nonce) == 32]


def known_device_nonce(user_id):
    """This browser's nonce for the account when it logged in here before, else None."""
    if user_id is None:
        return None
    return next((nonce for uid, nonce in _entries() if uid == user_id), None)


def remember_device(user_id):
    """After a complete login: mark this browser as known for the account (kept MAX_AGE_DAYS from now)."""
    entries = _entries()
    nonce = next((n for uid, n in entries if uid == user_id), None) or secrets.token_hex(16)
    kept = [[user_id, nonce]] + [[uid, n] for uid, n in entries if uid != user_id][:MAX_ACCOUNTS - 1]
    value = _serializer().dumps(kept)
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure)

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE_NAME, value, max_age=MAX_AGE_DAYS * 24 * 3600, httponly=True,
                            samesite="Lax", secure=secure, path="/")
        return response
