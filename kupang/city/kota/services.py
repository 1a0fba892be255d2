"""Service figures per office for a month: queue performance, the SKM index, letters per type.

Queue: tickets taken, average waiting time (number taken to the last call, tickets that were called),
average service time (start to done, done tickets) and the no-show share (marked absent / taken), as the
office's queue report defines them. SKM: the survey package's PermenPANRB 14/2017 computation (survey/skm.py)
over each office's answers. Letters: issued in the month (by the WITA day of issue), still valid or voided.
"""
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from ...extensions import db
from ...survey import skm
from ...survey.elements import ELEMENT_KEYS
from ...timeutil import local_day_bounds
from .models import CityLetter, CitySurvey, CityTicket
from .scope import kecamatan_of


def _in_scope(column, kecamatan_codes):
    """office_code within the kecamatan the user sees (LIKE '53.71.05.%' per code)."""
    return or_(*[column.like(f"{code}.%") for code in kecamatan_codes])


@dataclass
class QueueFigures:
    """One office's (or the scope's) month at the queue."""

    issued: int = 0
    no_show: int = 0
    wait_sum: float = 0.0
    waited: int = 0
    service_sum: float = 0.0
    served: int = 0

    def add(self, other):
        """Add another office's figures (for the total)."""
        for name in ("issued", "no_show", "wait_sum", "waited", "service_sum", "served"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def wait_minutes(self):
        """Average waiting time in minutes, or None."""
        return self.wait_sum / self.waited / 60.0 if self.waited else None

    @property
    def service_minutes(self):
        """Average service time in minutes, or None."""
        return self.service_sum / self.served / 60.0 if self.served else None

    @property
    def no_show_percent(self):
        """Tickets marked absent over tickets taken, 0-100, or None."""
        return 100.0 * self.no_show / self.issued if self.issued else None


def queue_by_office(first, last, kecamatan_codes):
    """({office: QueueFigures}, total) for the days first..last."""
    stmt = (select(CityTicket.office_code, func.count(), func.sum(case((CityTicket.status == "no_show", 1), else_=0)),
                   func.coalesce(func.sum(CityTicket.wait_seconds), 0), func.count(CityTicket.wait_seconds),
                   func.coalesce(func.sum(CityTicket.service_seconds), 0), func.count(CityTicket.service_seconds))
            .where(CityTicket.day >= first, CityTicket.day <= last, _in_scope(CityTicket.office_code, kecamatan_codes))
            .group_by(CityTicket.office_code).order_by(CityTicket.office_code))
    offices, total = {}, QueueFigures()
    for office, issued, no_show, wait_sum, waited, service_sum, served in db.session.execute(stmt):
        figures = QueueFigures(issued, int(no_show or 0), float(wait_sum or 0), waited, float(service_sum or 0), served)
        offices[office] = figures
        total.add(figures)
    return offices, total


def skm_by_office(first, last, kecamatan_codes):
    """({office: SkmResult}, SkmResult of all the answers together) for the days first..last."""
    columns = [getattr(CitySurvey, key) for key in ELEMENT_KEYS]
    selected = [func.count(), *[func.count(c) for c in columns], *[func.sum(c) for c in columns]]
    where = (CitySurvey.day >= first, CitySurvey.day <= last, _in_scope(CitySurvey.office_code, kecamatan_codes))
    n = len(ELEMENT_KEYS)
    offices = {}
    respondents, answered, totals = 0, [0] * n, [0] * n
    stmt = select(CitySurvey.office_code, *selected).where(*where).group_by(CitySurvey.office_code)
    for office, count, *sums in db.session.execute(stmt.order_by(CitySurvey.office_code)):
        office_answered, office_totals = sums[:n], [int(t or 0) for t in sums[n:]]
        offices[office] = skm.from_sums(count, office_answered, office_totals)
        respondents += count
        answered = [a + (b or 0) for a, b in zip(answered, office_answered, strict=True)]
        totals = [a + b for a, b in zip(totals, office_totals, strict=True)]
    return offices, skm.from_sums(respondents, answered, totals)


def letters_by_office(first, last, kecamatan_codes):
    """[(office, type title, issued and valid, voided)] of letters issued on the WITA days first..last."""
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    stmt = (select(CityLetter.office_code, CityLetter.type_title,
                   func.sum(case((CityLetter.status == "issued", 1), else_=0)),
                   func.sum(case((CityLetter.status == "void", 1), else_=0)))
            .where(CityLetter.issued_at >= start, CityLetter.issued_at < end, CityLetter.status.in_(("issued", "void")),
                   _in_scope(CityLetter.office_code, kecamatan_codes))
            .group_by(CityLetter.office_code, CityLetter.type_title)
            .order_by(CityLetter.office_code, CityLetter.type_title))
    return [(office, title, int(issued or 0), int(void or 0))
            for office, title, issued, void in db.session.execute(stmt)]


def kecamatan_sort_key(office):
    """Offices listed by kecamatan, then code."""
    return (kecamatan_of(office), office)
