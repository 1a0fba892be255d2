"""/laporan/antrian: queue statistics over a period, with charts, print and export."""
from flask import render_template, request

from ..security import roles_required
from . import bp, queue_report, queue_tables
from .periods import PERIODS, read_period
from .tables import FORMATS, export_response

REPORT_ROLES = ("admin", "supervisor")
TITLE = "Laporan statistik antrian"


@bp.route("/laporan/antrian", endpoint="queue_report")
@roles_required(*REPORT_ROLES)
def queue_report_view():
    """Queue statistics for today, this week, this month, 12 months or a chosen range."""
    period = read_period(request.args)
    report = queue_report.build(period)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(fmt, f"laporan-antrian-{period.start}-{period.end}", TITLE, period.label,
                               queue_tables.tables(report))
    return render_template("reports/queue.html", title=TITLE, period=period, periods=PERIODS, report=report,
                           tables=queue_tables.tables(report), charts=queue_tables.charts(report)), \
        400 if period.error else 200



