"""seed-demo: a year of history for the reports: tickets (morning peak, weekday pattern), life events,
survey answers and daily NIK snapshots. Bulk inserts; run again, it adds nothing."""
import random
import secrets
from datetime import datetime, time, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select, text, update

from ..auth.models import User
from ..cli import demo_seeder
from ..extensions import db
from ..queue.models import Counter, Service, Ticket
from ..queue.seed import SERVICES
from ..registry.models import Family, Resident, ResidentEvent
from ..survey.models import SurveyResponse
from ..timeutil import local_day_bounds, now_utc, office_today, office_zone
from .models import NikSnapshot
from .population import nik_counts

DAYS = 365
TICKETS_PER_YEAR = 50_000
WEEKDAY_LOAD = (1.3, 1.05, 1.0, 0.95, 0.7)  # Monday busiest, Friday short
# Share of the day's arrivals per half hour from 07.30 to 15.30: the morning peak.
HALF_HOURS = [(7, 30, 4), (8, 0, 9), (8, 30, 12), (9, 0, 13), (9, 30, 12), (10, 0, 10), (10, 30, 8), (11, 0, 7),
              (11, 30, 5), (12, 0, 3), (12, 30, 3), (13, 0, 4), (13, 30, 4), (14, 0, 3), (14, 30, 2), (15, 0, 1),
              (15, 30, 1)]
STANDARD_MINUTES = {"A": 45, "B": 30, "C": 60, "D": 45, "E": 60, "F": 60, "G": 60, "H": 20}
SURVEY_RESPONSES = 400
BATCH = 5000


def working_days(today, days=DAYS):
    """Working days (lokal-id's national calendar; Monday-Friday when it has no data) before today."""
    from lokal.holidays import is_working_day

    out = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        try:
            working = is_working_day(day)
        except Exception:  # noqa: BLE001 - a year the calendar does not know: weekdays
            working = day.weekday() < 5
        if working:
            out.append(day)
    return out


def _utc(day, hour, minute, second=0):
    local = datetime.combine(day, time(hour, minute, second), tzinfo=office_zone())
    from datetime import UTC

    return local.astimezone(UTC).replace(tzinfo=None)


class TicketMaker:
    """Plausible tickets for one office: services by share, counters that serve them, their clerks."""

    def __init__(self, rng, services, counters, clerks):
        self.rng = rng
        self.services = services
        self.weights = [share for _s, share in services]
        self.counters = counters  # service id -> [(counter id, clerk id)]
        self.clerks = clerks

    def day(self, day, count):
        """The rows of one day's tickets."""
        rng = self.rng
        numbers, rows = {}, []
        slots = rng.choices(HALF_HOURS, weights=[w for _h, _m, w in HALF_HOURS], k=count)
        busy = count / 200
        for hour, minute, _w in sorted(slots):
            service = rng.choices(self.services, weights=self.weights)[0][0]
            numbers[service.id] = number = numbers.get(service.id, 0) + 1
            issued = _utc(day, hour, minute) + timedelta(seconds=rng.randrange(1800))
            rows.append(self._ticket(day, service, number, issued, busy, hour))
        return rows

    def _ticket(self, day, service, number, issued, busy, hour):
        rng = self.rng
        peak = 1.6 if 8 <= hour < 11 else 1.0
        wait = rng.gammavariate(2.0, 5.5 * peak * busy)
        serve = max(1.0, rng.lognormvariate(0, 0.45) * service.minutes_per_ticket)
        roll = rng.random()
        status = "done" if roll < 0.92 else "no_show" if roll < 0.965 else "expired"
        if hour >= 15 and rng.random() < 0.25:
            status = "expired"
        current = service
        if status == "done" and rng.random() < 0.03:
            current = rng.choice(self.services)[0]
        counter_id, clerk_id = rng.choice(self.counters.get(current.id) or [(None, None)])
        called = issued + timedelta(minutes=wait) if status != "expired" else None
        started = called if status == "done" else None
        finished = started + timedelta(minutes=serve) if started else called if status == "no_show" else None
        return dict(numbered_service_id=service.id, service_id=current.id, day=day, number=number,
                    code=f"{service.prefix}-{number:03d}", priority="lansia" if rng.random() < 0.07 else None,
                    status=status, token=secrets.token_urlsafe(32), issued_at=issued, called_at=called,
                    started_at=started, finished_at=finished, call_count=0 if called is None else
                    (2 if status == "no_show" else 1), counter_id=None if called is None else counter_id,
                    clerk_id=None if called is None else clerk_id, resident_id=None, note="",
                    issued_by_device_id=None, issued_by_user_id=None, issue_nonce=None)


def seed_tickets(rng, today, per_year=TICKETS_PER_YEAR):
    """About per_year tickets over the working days of the past year; returns how many."""
    by_prefix = {s.prefix: s for s in db.session.scalars(select(Service))}
    services = [(by_prefix[p], share) for p, _n, _r, _pr, _m, share in SERVICES if p in by_prefix]
    if not services:
        return 0
    for prefix, minutes in STANDARD_MINUTES.items():
        if prefix in by_prefix and by_prefix[prefix].standard_minutes is None:
            by_prefix[prefix].standard_minutes = minutes
    counters = {}
    clerk_ids = list(db.session.scalars(select(User.id).where(User.role == "clerk").order_by(User.id)))
    for index, counter in enumerate(db.session.scalars(select(Counter).order_by(Counter.number))):
        clerk = clerk_ids[index % len(clerk_ids)] if clerk_ids else None
        for service in counter.services:
            counters.setdefault(service.id, []).append((counter.id, clerk))
    maker = TicketMaker(rng, services, counters, clerk_ids)
    days = working_days(today)
    per_day = per_year / max(1, sum(WEEKDAY_LOAD[d.weekday()] for d in days))
    made, batch = 0, []
    for day in days:
        season = 1.15 if day.month in (1, 7, 8) else 1.0  # school registration months
        count = max(5, int(rng.gauss(per_day * WEEKDAY_LOAD[day.weekday()] * season, per_day * 0.12)))
        batch.extend(maker.day(day, count))
        if len(batch) >= BATCH:
            db.session.execute(insert(Ticket.__table__), batch)
            made, batch = made + len(batch), []
    if batch:
        db.session.execute(insert(Ticket.__table__), batch)
        made += len(batch)
    return made


def seed_events(rng, today):
    """A year of births, deaths and moves in and out, in proportion to the population; returns the counts."""
    living = db.session.scalars(select(Resident.id).where(Resident.life_status == "hidup",
                                                          Resident.merged_into_id.is_(None))).all()
    if not living:
        return {}
    families = db.session.execute(select(Family.id, Family.rt, Family.rw, Family.address)).all()
    size = len(living)
    counts = {"lahir": int(size * 0.018), "mati": int(size * 0.006), "pindah_datang": int(size * 0.012),
              "pindah_keluar": int(size * 0.010)}
    code = current_app.config["KELURAHAN_CODE"]
    now = now_utc()
    events = []
    for kind in ("lahir", "pindah_datang"):
        for _n in range(counts[kind]):
            day = today - timedelta(days=rng.randrange(1, DAYS))
            family = rng.choice(families)
            sex = rng.choice((1, 2))
            born = day if kind == "lahir" else day - timedelta(days=rng.randrange(18 * 365, 60 * 365))
            resident = Resident(name=_name(rng, sex), sex=sex, birth_place="Kupang", birth_date=born, religion=2,
                                marital_status=1 if kind == "lahir" else rng.choice((1, 2)), shdk=4 if kind == "lahir"
                                else 9, education=1 if kind == "lahir" else rng.randint(3, 8),
                                occupation_code=1 if kind == "lahir" else rng.choice((8, 15, 19, 88)),
                                citizenship=1, address=family.address, rt=family.rt, rw=family.rw,
                                kelurahan_code=code, life_status="hidup", family_id=family.id, created_at=now,
                                updated_at=now)
            db.session.add(resident)
            db.session.flush()
            events.append(dict(resident_id=resident.id, kind=kind, event_date=day, note="Data contoh",
                               created_at=now, created_by_id=None))
    leaving = rng.sample(living, min(len(living), counts["mati"] + counts["pindah_keluar"]))
    for index, resident_id in enumerate(leaving):
        kind = "mati" if index < counts["mati"] else "pindah_keluar"
        day = today - timedelta(days=rng.randrange(1, DAYS))
        db.session.execute(update(Resident).where(Resident.id == resident_id)
                           .values(life_status="mati" if kind == "mati" else "pindah", version=Resident.version + 1)
                           .execution_options(synchronize_session=False))
        events.append(dict(resident_id=resident_id, kind=kind, event_date=day, note="Data contoh", created_at=now,
                           created_by_id=None))
    if events:  # a small demo office has too few residents for any event; an empty list is not an insert
        db.session.execute(insert(ResidentEvent.__table__), events)
    return counts


def _name(rng, sex):
    from ..registry.seed import FEMALE, MALE, SURNAMES

    return f"{rng.choice(MALE if sex == 1 else FEMALE)} {rng.choice(SURNAMES)}"


def seed_survey(rng, today):
    """A few hundred answers: most from finished tickets' status pages, the rest from the tablet."""
    start, _end = local_day_bounds(today - timedelta(days=DAYS))
    done = db.session.execute(select(Ticket.id, Ticket.service_id, Ticket.day, Ticket.finished_at)
                              .where(Ticket.status == "done", Ticket.issued_at >= start, Ticket.day < today)).all()
    if not done:
        return 0
    code = current_app.config["KELURAHAN_CODE"]
    picked = rng.sample(done, min(len(done), SURVEY_RESPONSES))
    rows = []
    for index, ticket in enumerate(picked):
        by_ticket = index % 5 < 3
        answers = {f"u{n}": _answer(rng, n) for n in range(1, 10)}
        profile = rng.random() < 0.7
        rows.append(dict(kelurahan_code=code, submitted_at=ticket.finished_at + timedelta(minutes=rng.randrange(2, 90)),
                         day=ticket.day, channel="tiket" if by_ticket else "tablet", service_id=ticket.service_id,
                         ticket_id=ticket.id if by_ticket else None, device_id=None,
                         nonce=None if by_ticket else secrets.token_urlsafe(16),
                         age_band=rng.choice(("20-29", "30-39", "40-49", "50-59", "60+")) if profile else None,
                         sex=rng.choice(("L", "P")) if profile else None,
                         education=rng.choice(("sltp", "slta", "slta", "d123", "s1")) if profile else None,
                         occupation=rng.choice(("swasta", "wirausaha", "pns", "lainnya")) if profile else None,
                         comment=rng.choice(COMMENTS) if rng.random() < 0.15 else "", **answers))
    db.session.execute(insert(SurveyResponse.__table__), rows)
    return len(rows)


COMMENTS = ["Pelayanan cepat, terima kasih.", "Ruang tunggu panas, mohon tambah kipas.",
            "Petugas ramah dan membantu.", "Antrian pagi terlalu panjang.", "Mohon papan persyaratan diperbesar.",
            "Kursi tunggu kurang.", "Sudah baik, pertahankan."]


def _answer(rng, element):
    if element == 4:  # biaya: the office's services are free
        return rng.choices((2, 3, 4), weights=(1, 4, 25))[0]
    if element == 8:  # complaint handling scores lower
        return rng.choices((1, 2, 3, 4), weights=(1, 4, 10, 5))[0]
    return rng.choices((1, 2, 3, 4), weights=(1, 3, 14, 9))[0]


def seed_snapshots(rng, today):
    """Daily NIK snapshots for the past year rising towards today's completeness; returns how many."""
    code = current_app.config["KELURAHAN_CODE"]
    residents, with_nik, warnings = nik_counts()
    if not residents:
        return 0
    now_share = with_nik / residents
    rows = []
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        share = max(0.0, now_share - 0.06 * back / DAYS + rng.uniform(-0.002, 0.002))
        count = int(residents * (1 - 0.01 * back / DAYS))
        rows.append(dict(kelurahan_code=code, day=day, residents=count, with_nik=min(count, int(count * share)),
                         with_warnings=warnings, taken_at=_utc(day, 6, 0)))
    db.session.execute(insert(NikSnapshot.__table__), rows)
    db.session.add(NikSnapshot(kelurahan_code=code, day=today, residents=residents, with_nik=with_nik,
                               with_warnings=warnings, taken_at=now_utc()))
    return len(rows) + 1


TICKETS_PER_RESIDENT = TICKETS_PER_YEAR / 8000  # an office of 8,000 residents takes about 50,000 numbers a year


@demo_seeder(40)
def seed_history(options):
    """A year of tickets (in proportion to the residents, at most 50,000), events, survey answers, snapshots."""
    residents = int(options.get("residents") or 0)
    if residents <= 0:
        return
    today = office_today()
    if db.session.scalar(select(func.count()).select_from(NikSnapshot)):
        click.echo("Riwayat laporan sudah ada; tidak ditambahkan.")
        return
    rng = random.Random(14)
    tickets = seed_tickets(rng, today, per_year=min(TICKETS_PER_YEAR, int(residents * TICKETS_PER_RESIDENT)))
    events = seed_events(rng, today)
    answers = seed_survey(rng, today)
    snapshots = seed_snapshots(rng, today)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    click.echo(f"Riwayat laporan: {tickets} tiket setahun, {sum(events.values())} peristiwa penduduk, "
               f"{answers} jawaban survei, {snapshots} catatan kelengkapan NIK.")
