"""Reports for supervisors: queue statistics, population, the satisfaction survey, access to personal data.

Reports read every area; no area imports them.
"""
from flask import Blueprint

bp = Blueprint("reports", __name__, cli_group=None)

from . import models  # noqa: E402,F401,I001  (tables known to Alembic and the tests)
from . import commands, seed, views_queue, views_population, views_skm, views_access  # noqa: E402,F401


@bp.app_template_global()
def report_printed_at():
    """'28 November 2026 14:05 WITA': when a report page was produced, for its printed footer."""
    from ..timeutil import format_datetime_wita, now_utc

    return format_datetime_wita(now_utc())
