"""Users, login, two-step verification and user administration."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views, views_account, views_users  # noqa: E402,F401  (routes attach to bp)
