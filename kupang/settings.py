"""Office settings an admin changes at run time (kept in the database, not the environment)."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

DEFAULTS = {
    "require_2fa": "0",  # "1": supervisors and admins must use TOTP
}


class Setting(db.Model):
    """One named office setting."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


def get_setting(key, default=None):
    """A setting's value, else its default."""
    row = db.session.get(Setting, key)
    if row is not None:
        return row.value
    return DEFAULTS.get(key, default)


def set_setting(key, value):
    """Store a setting in the current transaction; returns the previous value."""
    row = db.session.get(Setting, key)
    previous = row.value if row else DEFAULTS.get(key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    return previous
