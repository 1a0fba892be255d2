"""/laporan/skm figures: the SKM index per PermenPANRB 14/2017 per period and service, respondents and sample."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..queue.models import Service, Ticket
from ..survey import skm
from ..survey.elements import ELEMENT_KEYS, PROFILE
from ..survey.models import SurveyResponse
from ..timeutil import format_date_id
from . import svg
from .tables import Table

COMMENTS_SHOWN = 30


@dataclass
class SkmReport:
    """The survey's result for one period (and optionally one service)."""

    result: object
    served: int
    minimum: int
    by_service: list  # [(Service, SkmResult)]
    profile: dict  # field -> {code: count}
    comments: list  # [(day, service name, text)]
    channels: dict


def _scope(period, service_id):
    conditions = [SurveyResponse.kelurahan_code == current_app.config["KELURAHAN_CODE"],
                  SurveyResponse.day >= period.start, SurveyResponse.day <= period.end]
    if service_id is not None:
        conditions.append(SurveyResponse.service_id == service_id)
    return conditions


def _aggregate(conditions, group=None):
    columns = [getattr(SurveyResponse, key) for key in ELEMENT_KEYS]
    selected = ([group] if group is not None else []) + [func.count()] + [func.count(c) for c in columns] + \
        [func.sum(c) for c in columns]
    stmt = select(*selected).where(*conditions)
    if group is not None:
        stmt = stmt.group_by(group)
    results = []
    n = len(ELEMENT_KEYS)
    for row in db.session.execute(stmt).all():
        values = list(row)
        key = values.pop(0) if group is not None else None
        respondents = values[0]
        results.append((key, skm.from_sums(respondents, values[1:1 + n], values[1 + n:1 + 2 * n])))
    return results


def served_count(period, service_id):
    """Tickets finished as done in the period: the population the sample is drawn from."""
    stmt = select(func.count()).where(Ticket.day >= period.start, Ticket.day <= period.end, Ticket.status == "done")
    if service_id is not None:
        stmt = stmt.where(Ticket.service_id == service_id)
    return db.session.scalar(stmt) or 0


def build(period, service_id=None):
    """The SkmReport for a Period (and a service id, or None for all)."""
    conditions = _scope(period, service_id)
    overall = _aggregate(conditions)
    result = overall[0][1] if overall else skm.compute([])
    services = {s.id: s for s in db.session.scalars(select(Service))}
    by_service = sorted(((services[k], r) for k, r in _aggregate(conditions, SurveyResponse.service_id)
                         if k in services), key=lambda pair: (pair[0].sort_order, pair[0].prefix))
    profile = {}
    for field_name, _label, _choices in PROFILE:
        column = getattr(SurveyResponse, field_name)
        profile[field_name] = dict(db.session.execute(select(column, func.count()).where(*conditions)
                                                      .group_by(column)).all())
    channels = dict(db.session.execute(select(SurveyResponse.channel, func.count()).where(*conditions)
                                       .group_by(SurveyResponse.channel)).all())
    comments = db.session.execute(
        select(SurveyResponse.day, SurveyResponse.service_id, SurveyResponse.comment)
        .where(*conditions, SurveyResponse.comment != "").order_by(SurveyResponse.id.desc())
        .limit(COMMENTS_SHOWN)).all()
    served = served_count(period, service_id)
    return SkmReport(result=result, served=served, minimum=skm.minimum_sample(served), by_service=by_service,
                     profile=profile, channels=channels,
                     comments=[(d, services[s].name if s in services else "—", c) for d, s, c in comments])


def element_table(report):
    """Per element: respondents who answered, NRR, NRR x 1/9, converted value and band."""
    rows = []
    for e in report.result.elements:
        g = e.grade
        rows.append([f"U{e.element.number} {e.element.name}", e.answered, e.nrr, e.weighted,
                     None if e.nrr is None else e.nrr * skm.CONVERSION, g.letter if g else None,
                     g.label if g else None])
    r = report.result
    g = r.grade
    return Table("Nilai per unsur pelayanan", ["Unsur", "Menjawab", "NRR", "NRR tertimbang (× 1/9)",
                                               "Konversi (× 25)", "Mutu", "Kinerja"], rows,
                 total=["Indeks SKM", r.respondents, r.index, r.index, r.converted, g.letter if g else None,
                        g.label if g else None],
                 note="Indeks = jumlah NRR tertimbang; nilai SKM = indeks × 25. Mutu: A 88,31–100 (sangat baik), "
                      "B 76,61–88,30 (baik), C 65,00–76,60 (kurang baik), D 25,00–64,99 (tidak baik).", digits=2)


def service_table(report):
    """Per service: respondents, SKM value and band."""
    rows = [[f"{s.prefix} · {s.name}", r.respondents, r.converted, r.grade.letter if r.grade else None]
            for s, r in report.by_service]
    return Table("Per layanan", ["Layanan", "Responden", "Nilai SKM", "Mutu"], rows, digits=2)


def sample_table(report):
    """Respondents against the regulation's minimum sample for the people served."""
    return Table("Responden dan sampel minimum", ["Ukuran", "Nilai"], [
        ["Penerima layanan (nomor antrian selesai)", report.served],
        ["Sampel minimum (tabel Krejcie dan Morgan)", report.minimum],
        ["Responden", report.result.respondents],
        ["Melalui tablet survei", report.channels.get("tablet", 0)],
        ["Melalui halaman nomor antrian", report.channels.get("tiket", 0)],
    ])


def profile_tables(report):
    """Respondents by age band, sex, education and occupation (as far as they said)."""
    tables = []
    for field_name, label, choices in PROFILE:
        counts = report.profile.get(field_name, {})
        rows = [[text, counts.get(code, 0)] for code, text in choices.items()]
        rows.append(["Tidak diisi", counts.get(None, 0)])
        tables.append(Table(f"Responden menurut {label.lower()}", [label, "Responden"], rows))
    return tables


def tables(report):
    """Every table of the SKM report."""
    return [element_table(report), sample_table(report), service_table(report), *profile_tables(report),
            Table("Saran dan masukan terbaru", ["Tanggal", "Layanan", "Saran"],
                  [[format_date_id(d), s, c] for d, s, c in report.comments])]


def chart(report):
    """NRR per element as bars (1-4)."""
    rows = [(f"U{e.element.number} {e.element.name}", [e.nrr]) for e in report.result.elements]
    return svg.bar_chart("grafik-skm", "Nilai rata-rata (NRR) per unsur, skala 1–4", rows, ("NRR",), digits=2,
                         label_width=250)
