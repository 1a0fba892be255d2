"""Home page (clerk or supervisor), the audit log and the health check."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import views  # noqa: E402,F401
