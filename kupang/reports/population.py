"""Population figures from the registry: the monthly mutation report, the pyramid and the breakdowns.

The monthly report (laporan bulanan mutasi penduduk) follows each resident through their entry and exit
events: a birth or a move in brings a resident into the population, a death, a move out, a disappearance
or leaving takes them out. A resident without such events is counted as long as their status is 'hidup'.
Only changes of state count, so the balance always holds: start + births + moves in - deaths - moves out
- others out = end. Merged duplicate records count nowhere.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from ..extensions import db
from ..registry.models import Resident, ResidentEvent

ENTRY = {"lahir": "births", "pindah_datang": "moved_in"}
EXIT = {"mati": "deaths", "pindah_keluar": "moved_out", "hilang": "others_out", "pergi": "others_out"}
MOVES = ("births", "deaths", "moved_in", "moved_out", "others_out")
SEXES = (1, 2)


@dataclass
class Balance:
    """One line of the monthly report (an RW, or the total), each figure split by sex {1: men, 2: women}."""

    start: dict = field(default_factory=lambda: {1: 0, 2: 0})
    births: dict = field(default_factory=lambda: {1: 0, 2: 0})
    deaths: dict = field(default_factory=lambda: {1: 0, 2: 0})
    moved_in: dict = field(default_factory=lambda: {1: 0, 2: 0})
    moved_out: dict = field(default_factory=lambda: {1: 0, 2: 0})
    others_out: dict = field(default_factory=lambda: {1: 0, 2: 0})
    end: dict = field(default_factory=lambda: {1: 0, 2: 0})

    def add(self, other):
        """Add another line into this one (for the total)."""
        for name in ("start", "end", *MOVES):
            for sex in SEXES:
                getattr(self, name)[sex] += getattr(other, name)[sex]

    def total(self, name):
        """Men and women together for one figure."""
        return sum(getattr(self, name).values())

    def balanced(self):
        """True when start + in - out = end, for each sex."""
        return all(self.start[s] + self.births[s] + self.moved_in[s] - self.deaths[s] - self.moved_out[s]
                   - self.others_out[s] == self.end[s] for s in SEXES)


def _sex(value):
    return value if value in SEXES else 1 if value is None else 2 if value == 2 else 1


def monthly_balance(first, last):
    """{rw: Balance} and the total Balance for the days first..last (inclusive)."""
    events = db.session.execute(
        select(ResidentEvent.resident_id, ResidentEvent.kind, ResidentEvent.event_date, Resident.rw, Resident.sex,
               Resident.life_status)
        .join(Resident, Resident.id == ResidentEvent.resident_id)
        .where(Resident.merged_into_id.is_(None), ResidentEvent.kind.in_(tuple(ENTRY) + tuple(EXIT)))
        .order_by(ResidentEvent.resident_id, ResidentEvent.event_date, ResidentEvent.id)).all()
    living_now = db.session.execute(select(Resident.rw, Resident.sex, func.count()).where(*living())
                                    .group_by(Resident.rw, Resident.sex)).all()
    return balance_lines(living_now, events, first, last)


def balance_lines(living_now, events, first, last):
    """{line key: Balance} and the total for first..last, from the counts and events of one population.

    living_now: (key, sex, count) of the living residents now; events: rows with resident_id, kind, event_date,
    rw (the line key), sex and life_status, ordered by resident, date and id. The office keys lines by RW;
    the city (kupang/city/kota) by office, with the same rule.
    """
    lines = defaultdict(Balance)
    # Residents without entry/exit events count while 'hidup': every living one, less the movers among them.
    for rw, sex, count in living_now:
        lines[rw or ""].start[_sex(sex)] += count
        lines[rw or ""].end[_sex(sex)] += count
    for timeline in _by_resident(events):
        head = timeline[0]
        if head.life_status == "hidup":
            lines[head.rw or ""].start[_sex(head.sex)] -= 1
            lines[head.rw or ""].end[_sex(head.sex)] -= 1
        _follow(timeline, first, last, lines)
    total = Balance()
    for line in lines.values():
        total.add(line)
    return dict(sorted(lines.items())), total


def _by_resident(rows):
    current, timeline = None, []
    for row in rows:
        if row.resident_id != current and timeline:
            yield timeline
            timeline = []
        current = row.resident_id
        timeline.append(row)
    if timeline:
        yield timeline


def _follow(timeline, first, last, lines):
    """Walk one resident's entry/exit events and add their state and moves to the RW's line."""
    head = timeline[0]
    line = lines[head.rw or ""]
    sex = _sex(head.sex)
    present = head.kind in EXIT  # someone whose first event is leaving was here before it
    at_start = None
    for event in timeline:
        if at_start is None and event.event_date >= first:
            at_start = present
        if event.event_date > last:
            break
        entering = event.kind in ENTRY
        if entering == present:
            continue  # no change of state (a second exit, say): nothing moves
        present = entering
        if event.event_date >= first:
            getattr(line, ENTRY[event.kind] if entering else EXIT[event.kind])[sex] += 1
    if at_start is None:  # every event came before the period
        at_start = present
    if at_start:
        line.start[sex] += 1
    if present:
        line.end[sex] += 1


AGE_BANDS = [f"{low}–{low + 4}" for low in range(0, 75, 5)] + ["75+"]


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def pyramid(on):
    """(band labels, men per band, women per band, unknown birth date count) of living residents on a day."""
    conditions = []
    for index in range(len(AGE_BANDS) - 1):
        # Age <= 5*(index+1)-1 on `on` means born after the day 5*(index+1) years before.
        conditions.append((Resident.birth_date > _years_before(on, 5 * (index + 1)), index))
    band = case(*conditions, else_=len(AGE_BANDS) - 1)
    rows = db.session.execute(
        select(band.label("band"), Resident.sex, func.count())
        .where(*living(), Resident.birth_date.is_not(None), Resident.birth_date <= on)
        .group_by(band, Resident.sex)).all()
    men, women = [0] * len(AGE_BANDS), [0] * len(AGE_BANDS)
    for index, sex, count in rows:
        (women if sex == 2 else men)[index] += count
    unknown = db.session.scalar(select(func.count()).where(*living(), Resident.birth_date.is_(None))) or 0
    return AGE_BANDS, men, women, unknown


def living():
    """Conditions for a counted resident (living, not merged): the registry's own rule."""
    from ..registry.completeness import counted_residents

    return counted_residents()


BREAKDOWN_COLUMNS = ("rw", "rt", "religion", "education", "occupation_code", "marital_status")


def living_breakdowns():
    """{column: {code: {1: men, 2: women}}} for RW/RT and the code lists, from one scan of the living."""
    columns = [getattr(Resident, name) for name in BREAKDOWN_COLUMNS]
    result = {name: defaultdict(lambda: {1: 0, 2: 0}) for name in (*BREAKDOWN_COLUMNS, "rw_rt")}
    # Grouped in the order of ix_resident_living_profile (rw, sex, rt, ...): read from the index, no sort.
    order = [columns[0], Resident.sex, *columns[1:]]
    rows = db.session.execute(select(*order, func.count()).where(*living()).group_by(*order)).all()
    for row in rows:
        rw, sex, *rest, count = row
        codes = [rw, *rest]
        sex = 2 if sex == 2 else 1
        for name, code in zip(BREAKDOWN_COLUMNS, codes, strict=True):
            result[name][code][sex] += count
        result["rw_rt"][(codes[0] or "", codes[1] or "")][sex] += count
    return result


def breakdown(column, where=None):
    """{code: {1: men, 2: women}} of living residents by a column (or by `where`'s population)."""
    result = defaultdict(lambda: {1: 0, 2: 0})
    rows = db.session.execute(select(column, Resident.sex, func.count())
                              .where(*(where if where is not None else living()))
                              .group_by(column, Resident.sex)).all()
    for code, sex, count in rows:
        result[code][2 if sex == 2 else 1] += count
    return result


def by_rt():
    """{(rw, rt): {1: men, 2: women}} of living residents."""
    result = defaultdict(lambda: {1: 0, 2: 0})
    rows = db.session.execute(select(Resident.rw, Resident.rt, Resident.sex, func.count()).where(*living())
                              .group_by(Resident.rw, Resident.rt, Resident.sex)).all()
    for rw, rt, sex, count in rows:
        result[(rw or "", rt or "")][2 if sex == 2 else 1] += count
    return dict(sorted(result.items()))


def life_status_breakdown():
    """{life status: {1, 2}} of every resident record that is not a merged duplicate."""
    return breakdown(Resident.life_status, where=(Resident.merged_into_id.is_(None),))


def nik_counts():
    """(living residents, with a NIK, with warnings) now: what a snapshot stores."""
    residents, with_nik, warnings = db.session.execute(
        select(func.count(), func.count(Resident.nik),
               func.coalesce(func.sum(case((Resident.has_warnings.is_(True), 1), else_=0)), 0))
        .where(*living())).one()
    return residents, with_nik, int(warnings or 0)


def month_starts(first: date, last: date):
    """The first day of every month from first's month to last's month."""
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
