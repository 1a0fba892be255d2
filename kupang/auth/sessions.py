"""Login sessions kept on the server: logging out ends the session itself, not only the browser's cookie.

The signed session cookie carries a random token; the database keeps its SHA-256 with the session's end.
A copied cookie is refused once its session was logged out, expired, or the user's epoch moved on.
"""
import hashlib
import secrets

from flask import current_app
from flask import session as browser_session
from flask_login import login_user
from sqlalchemy import delete, update

from ..extensions import db
from ..timeutil import now_utc
from .models import UserSession

TOKEN_KEY = "sid"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _token():
    token = browser_session.get(TOKEN_KEY)
    return token if isinstance(token, str) and 20 <= len(token) <= 100 else None


def start_session(user):
    """Log the user in on a clean browser session (nothing a previous user left in it survives)."""
    browser_session.clear()
    now = now_utc()
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(UserSession).where(UserSession.expires_at < now))  # housekeeping: indexed, tiny
    db.session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now,
                               expires_at=now + current_app.permanent_session_lifetime))
    login_user(user)
    browser_session.permanent = True
    browser_session[TOKEN_KEY] = token


def live_session_filter():
    """Conditions on UserSession for this browser's session being live; None when the browser has no token."""
    token = _token()
    if token is None:
        return None
    return (UserSession.id == _digest(token), UserSession.ended_at.is_(None), UserSession.expires_at > now_utc())


def end_session():
    """End this browser's session on the server (a plain logout); the cookie is cleared by the caller."""
    token = _token()
    if token is not None:
        db.session.execute(update(UserSession).where(UserSession.id == _digest(token), UserSession.ended_at.is_(None))
                           .values(ended_at=now_utc()))


def end_every_session(user):
    """End all of the user's sessions on every browser (logout everywhere, deactivation)."""
    user.end_all_sessions()
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=now_utc()))
