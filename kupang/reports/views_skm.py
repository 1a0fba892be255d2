"""/laporan/skm: the satisfaction survey's index per PermenPANRB 14/2017, printable and exportable."""
from flask import render_template, request
from sqlalchemy import select

from ..extensions import db
from ..params import db_int
from ..queue.models import Service
from ..security import roles_required
from . import bp, skm_report
from .periods import PERIODS, read_period
from .tables import FORMATS, export_response

TITLE = "Laporan survei kepuasan masyarakat (SKM)"


@bp.route("/laporan/skm", endpoint="skm_report")
@roles_required("admin", "supervisor")
def skm_report_view():
    """The SKM for a period (and a service): NRR per element, index, band, respondents, minimum sample."""
    period = read_period(request.args)
    service_id = request.args.get("layanan", type=db_int)
    service = db.session.get(Service, service_id) if service_id else None
    report = skm_report.build(period, service.id if service else None)
    label = period.label + (f" · {service.name}" if service else "")
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(fmt, f"laporan-skm-{period.start}-{period.end}", TITLE, label,
                               skm_report.tables(report))
    services = db.session.scalars(select(Service).order_by(Service.sort_order, Service.prefix)).all()
    return render_template("reports/skm.html", title=TITLE, period=period, periods=PERIODS, report=report,
                           tables=skm_report.tables(report), chart=skm_report.chart(report), services=services,
                           service=service, period_label=label), 400 if period.error else 200
