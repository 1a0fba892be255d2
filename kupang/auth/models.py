"""User accounts and their login sessions."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..security import ROLES
from ..timeutil import now_utc


class User(UserMixin, db.Model):
    """A person who logs in: clerk, supervisor or admin."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    # On the city server: the kecamatan a user sees ("53.71.05"), or None for the whole city (0310).
    area_code: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every session of this user (logout everywhere, password change, deactivation).
    session_epoch: Mapped[int] = mapped_column(default=0)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_counter: Mapped[int | None]  # the last accepted TOTP time step: refuses replays
    # A one-time code from an admin that mandatory 2FA enrolment needs (SHA-256 only, like device pairing).
    enrol_code_hash: Mapped[str | None] = mapped_column(String(64))
    enrol_code_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_login_at: Mapped[datetime | None]

    def get_id(self):
        """Session identity: id plus epoch, so bumping the epoch logs every session out."""
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_active(self):
        """Deactivated users cannot log in or keep a session."""
        return self.active

    @property
    def role_label(self):
        """The role in Indonesian."""
        return ROLES.get(self.role, self.role)

    @property
    def display_name(self):
        """Full name, or the username when none is set."""
        return self.full_name or self.username

    def end_all_sessions(self):
        """Invalidate every session of this user at their next request."""
        self.session_epoch = (self.session_epoch or 0) + 1


class UserSession(db.Model):
    """One login on one browser: the cookie names it, logout ends it here, so a copied cookie is useless."""

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token in the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]


def find_user(username):
    """The user with this username (case-insensitive), or None."""
    name = (username or "").strip().lower()
    if not name:
        return None
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one_or_none()


def load_user_from_session(session_id):
    """Flask-Login loader: the user only if the id, the epoch and this browser's session row still hold.

    One query for the user and the session row: it runs first in every staff request, inside a POST's
    write transaction.
    """
    from .sessions import live_session_filter

    user_id, _, epoch = str(session_id).partition(":")
    if not user_id.isdigit() or not epoch.isdigit() or len(user_id) > 18 or len(epoch) > 18:
        return None
    live = live_session_filter()
    if live is None:
        return None
    return db.session.scalar(db.select(User).join(UserSession, UserSession.user_id == User.id).where(
        User.id == int(user_id), User.session_epoch == int(epoch), User.active.is_(True), *live))
