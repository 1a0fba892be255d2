"""Queue demo data: the usual kelurahan services, two counters, a demo kiosk and display, a morning of tickets.

Run again, it adds no second copy of a service or counter and no second morning of tickets.
Tickets end at the moment of seeding, so the kiosk's next number never meets a clock that reads
earlier than the last ticket.
"""
import random
import secrets
from datetime import time, timedelta

import click
from sqlalchemy import func, select

from ..auth.models import User
from ..cli import demo_seeder
from ..extensions import db
from ..timeutil import local_day_bounds, now_utc, office_today, to_local
from .devices import DEVICE_KINDS, create_device, format_code, new_pairing_code, pairing_link
from .models import Call, Counter, CounterSession, DailySequence, Device, Service, Ticket
from .numbering import bump_marker
from .numbering import format_code as ticket_code

PENGANTAR = "Surat pengantar RT/RW"
# (prefix, name, requirements, priority allowed, minutes per ticket, share of the morning's tickets)
SERVICES = [
    ("A", "Pengantar KTP-el / Kartu Keluarga", [PENGANTAR, "Kartu Keluarga asli", "KTP-el lama (bila ada)",
                                                "Akta kelahiran (untuk KTP pertama)"], True, 6, 9),
    ("B", "Surat Keterangan Domisili", [PENGANTAR, "KTP-el asli dan fotokopi", "Kartu Keluarga fotokopi"],
     True, 5, 7),
    ("C", "Surat Keterangan Tidak Mampu (SKTM)", [PENGANTAR, "KTP-el dan Kartu Keluarga fotokopi",
                                                   "Surat pernyataan tidak mampu bermeterai",
                                                   "Foto rumah tampak depan"], True, 8, 5),
    ("D", "Surat Keterangan Usaha", [PENGANTAR, "KTP-el dan Kartu Keluarga fotokopi", "Foto tempat usaha"],
     True, 6, 3),
    ("E", "Keterangan Kelahiran", ["Surat keterangan lahir dari bidan/rumah sakit", "KTP-el ayah dan ibu",
                                   "Kartu Keluarga asli", "Buku nikah / akta perkawinan", "KTP-el dua orang saksi"],
     True, 10, 2),
    ("F", "Keterangan Kematian", ["Surat keterangan kematian dari rumah sakit/puskesmas (bila ada)",
                                  "KTP-el almarhum/almarhumah", "Kartu Keluarga asli", "KTP-el pelapor"], True, 9, 1),
    ("G", "Keterangan Pindah", [PENGANTAR, "Kartu Keluarga asli", "KTP-el semua anggota yang pindah",
                                "Alamat tujuan lengkap"], True, 10, 2),
    ("H", "Pengaduan / Informasi", [], False, 5, 3),
]
COUNTERS = [(1, "Loket 1 – Administrasi kependudukan", "ABEFG"), (2, "Loket 2 – Surat keterangan", "ABCDH")]
OPENS, CLOSES = time(7, 30), time(16, 0)
MORNING_HOURS = 3.5


def seed_services():
    """Add the services and counters that are not there yet; returns {prefix: Service}."""
    existing = {s.prefix: s for s in db.session.scalars(select(Service))}
    for order, (prefix, name, requirements, priority, minutes, _share) in enumerate(SERVICES, start=1):
        if prefix not in existing:
            existing[prefix] = Service(name=name, prefix=prefix, requirements="\n".join(requirements),
                                       opens_at=OPENS, closes_at=CLOSES, daily_cap=None, allow_priority=priority,
                                       active=True, sort_order=order * 10, minutes_per_ticket=minutes)
            db.session.add(existing[prefix])
    db.session.flush()
    numbers = set(db.session.scalars(select(Counter.number)))
    for number, name, prefixes in COUNTERS:
        if number not in numbers:
            services = [existing[p] for p in prefixes if p in existing]
            db.session.add(Counter(number=number, name=name, active=True, services=services))
    db.session.flush()
    return existing


def seed_devices():
    """A demo kiosk and display; returns [(device, link or None when already paired)]."""
    result = []
    for kind, name in (("kiosk", "Kiosk demo"), ("display", "Layar TV demo")):
        device = db.session.scalar(select(Device).where(Device.name == name, Device.revoked_at.is_(None)))
        if device is None:
            device, code = create_device(kind, name, None)
        elif device.token_hash is None:
            code = new_pairing_code(device, None)
        else:
            result.append((device, None, None))
            continue
        result.append((device, pairing_link(code), format_code(code)))
    return result


def _arrivals(rng, services, start, end):
    """Issue times per ticket over the morning, busier early, with the services' shares."""
    chosen = [row for row in SERVICES if row[0] in services]
    prefixes, weights = [row[0] for row in chosen], [row[5] for row in chosen]
    span = (end - start).total_seconds()
    count = max(6, int(span / 60 / 4.5))  # a ticket every ~4.5 minutes
    moments = sorted(start + timedelta(seconds=span * rng.random() ** 1.15) for _ in range(count))
    return [(moment, rng.choices(prefixes, weights)[0]) for moment in moments]


def _issue(services, arrivals, rng, day):
    tickets, numbers = [], {}
    for issued_at, prefix in arrivals:
        service = services[prefix]
        numbers[prefix] = numbers.get(prefix, 0) + 1
        priority = rng.choice(["lansia", "disabilitas", "ibu_anak"]) if service.allow_priority and \
            rng.random() < 0.1 else None
        tickets.append(Ticket(numbered_service_id=service.id, service_id=service.id, day=day, number=numbers[prefix],
                              code=ticket_code(prefix, numbers[prefix]), priority=priority, status="waiting",
                              token=secrets.token_urlsafe(32), issued_at=issued_at, call_count=0, note=""))
    db.session.add_all(tickets)
    for prefix, last in numbers.items():
        last_at = max(t.issued_at for t in tickets if t.numbered_service_id == services[prefix].id)
        db.session.add(DailySequence(service_id=services[prefix].id, day=day, last_number=last,
                                     last_issued_at=last_at))
    db.session.flush()
    return tickets


def _serve(counter, clerk, tickets, rng, start, end):
    """Let one counter work through its queue from `start` until the time runs out."""
    served = {s.id for s in counter.services}
    clock = start
    while True:
        ready = [t for t in tickets if t.status == "waiting" and t.service_id in served and t.issued_at <= clock]
        if not ready:
            later = [t.issued_at for t in tickets if t.status == "waiting" and t.service_id in served]
            if not later or min(later) >= end:
                return
            clock = min(later)
            continue
        ticket = min(ready, key=lambda t: (t.priority is None, t.issued_at, t.number))  # numbering.call_order
        minutes = ticket.service.minutes_per_ticket * rng.uniform(0.6, 1.6)
        finished = clock + timedelta(seconds=40 + minutes * 60)
        if finished >= end:
            return
        ticket.counter_id, ticket.clerk_id, ticket.called_at, ticket.call_count = counter.id, clerk.id, clock, 1
        db.session.add(Call(ticket_id=ticket.id, counter_id=counter.id, called_at=clock, is_recall=False))
        if rng.random() < 0.06:  # called twice, nobody came
            db.session.add(Call(ticket_id=ticket.id, counter_id=counter.id, called_at=clock + timedelta(minutes=1),
                                is_recall=True))
            ticket.status, ticket.call_count, ticket.finished_at = "no_show", 2, clock + timedelta(minutes=3)
            clock = ticket.finished_at
            continue
        ticket.status, ticket.started_at, ticket.finished_at = "done", clock + timedelta(seconds=40), finished
        clock = finished + timedelta(seconds=rng.randint(20, 90))


def seed_morning(services, now=None):
    """Today's tickets from the morning up to now (only when today has none yet); returns how many."""
    now = now or now_utc()
    day = office_today(now)
    if db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.day == day)):
        return 0
    day_start = local_day_bounds(day)[0]
    start = max(day_start + timedelta(hours=OPENS.hour, minutes=OPENS.minute),
                now - timedelta(hours=MORNING_HOURS))
    start = max(min(start, now - timedelta(hours=MORNING_HOURS / 2)), day_start)  # before opening: the hours before
    rng = random.Random(day.toordinal())
    tickets = _issue(services, _arrivals(rng, services, start, now - timedelta(minutes=1)), rng, day)
    clerks = db.session.scalars(select(User).where(User.role == "clerk", User.active.is_(True))
                                .order_by(User.username).limit(2)).all()
    counters = db.session.scalars(select(Counter).order_by(Counter.number).limit(2)).all()
    for counter, clerk in zip(counters, clerks, strict=False):
        session = CounterSession(counter_id=counter.id, user_id=clerk.id, opened_at=start - timedelta(minutes=5))
        session.closed_at = now - timedelta(seconds=30)
        db.session.add(session)
        _serve(counter, clerk, tickets, rng, start + timedelta(minutes=2), now - timedelta(minutes=12))
    bump_marker()
    return len(tickets)


@demo_seeder(30)
def seed_queue(_options):
    """Demo services, counters, devices and a morning of tickets."""
    services = seed_services()
    devices = seed_devices()
    made = seed_morning(services)
    db.session.commit()
    waiting = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.day == office_today(), Ticket.status == "waiting"))
    click.echo(f"Antrian: {len(services)} layanan, {len(COUNTERS)} loket, {made} tiket contoh hari ini "
               f"({waiting} masih menunggu). Jam layanan contoh {OPENS:%H.%M}–{CLOSES:%H.%M} WITA "
               f"(sekarang {to_local(now_utc()):%H.%M}); ubah di Admin › Layanan.")
    for device, link, code in devices:
        if link:
            click.echo(f"  {DEVICE_KINDS[device.kind]} \"{device.name}\": buka {link}  (kode {code}, 24 jam)")
        else:
            click.echo(f"  {DEVICE_KINDS[device.kind]} \"{device.name}\" sudah terpasang.")
