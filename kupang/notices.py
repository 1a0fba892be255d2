"""Warnings for the home pages of admins and supervisors, offered by any area (backup, disk, devices).

An area registers a provider once (`register(provider)`, at blueprint set-up); a provider is called in
a request for the current user and returns a list of Notice. Providers must only read (no write in a GET)
and be cheap: they run on every home page load.
"""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Notice:
    """One warning: Indonesian text, a level ('warning' or 'danger'), optionally a link to act on it."""

    text: str
    level: str = "warning"
    url: str | None = None
    link_text: str | None = None


def register(app, provider):
    """Add a provider(user) -> list[Notice] to the app."""
    app.extensions.setdefault("kupang_notices", []).append(provider)


def collect(user):
    """Every registered provider's notices for this user; a failing provider is logged, never shown as 500."""
    found = []
    for provider in current_app.extensions.get("kupang_notices", []):
        try:
            found.extend(provider(user) or [])
        except Exception:  # noqa: BLE001 - a warning must never take the home page down
            current_app.logger.exception("notice provider %s failed", getattr(provider, "__name__", provider))
    return found
