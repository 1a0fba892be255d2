"""Population figures from the registry: the monthly mutation report, the pyramid and the breakdowns.

The monthly report (laporan bulanan mutasi penduduk) follows each resident through their entry and exit
events: a birth or a move in brings a resident into the population, a death, a move out, a disappearance
or leaving takes them out. A resident without such events is counted as long as their status is 'hidup'.
Only changes of state count, so the balance always holds: start + births + moves in - deaths - moves out
- others out = end. Merged duplicate records count nowhere.
"""
from bisect import bisect_left
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
    return period_balances(living_now, events, [(first, last)])[0]


def period_balances(living_now, events, periods):
    """[(lines, total)] for consecutive periods [(first, last), ...] (oldest first), in one walk of the events.

    The rule, per resident: present before their first event when it is an exit (they were here before
    leaving); each entry or exit that changes their state counts as a move in the period of its date; they
    count at a period's start when present after every event before it, at its end when present after every
    event up to its last day. Residents without events count while hidup (every living one, less the movers).
    """
    count = len(periods)
    lines = [defaultdict(Balance) for _ in periods]
    # start and end presence per (line, sex) as differences over the period index: += at i, -= at j for i..j-1
    starts, ends = defaultdict(lambda: [0] * (count + 1)), defaultdict(lambda: [0] * (count + 1))

    def add(diff, key, value, since, until=count):
        if value and since < until:
            diff[key][since] += value
            diff[key][until] -= value

    for rw, sex, number in living_now:
        add(starts, (rw or "", _sex(sex)), number, 0)
        add(ends, (rw or "", _sex(sex)), number, 0)
    lasts = [last for _first, last in periods]
    for timeline in _by_resident(events):
        _walk(timeline, periods, lasts, lines, starts, ends, add)
    results = []
    for index, period_lines in enumerate(lines):
        for diff, name in ((starts, "start"), (ends, "end")):
            for (rw, sex), steps in diff.items():
                value = sum(steps[:index + 1])
                if value:
                    getattr(period_lines[rw], name)[sex] += value
        total = Balance()
        for line in period_lines.values():
            total.add(line)
        results.append((dict(sorted(period_lines.items())), total))
    return results


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


def _walk(timeline, periods, lasts, lines, starts, ends, add):
    """Add one resident's presence at each period's start and end, and their moves, to their line."""
    head = timeline[0]
    key = (head.rw or "", _sex(head.sex))
    if head.life_status == "hidup":  # counted among the living already: their events decide instead
        add(starts, key, -1, 0)
        add(ends, key, -1, 0)
    present = head.kind in EXIT  # someone whose first event is leaving was here before it
    # Periods that end before the first event: present as before it, at their start and end alike.
    skipped = bisect_left(lasts, head.event_date)
    add(starts, key, int(present), 0, skipped)
    add(ends, key, int(present), 0, skipped)
    position, size = 0, len(timeline)
    for index in range(skipped, len(periods)):
        first, last = periods[index]
        while position < size and timeline[position].event_date < first:
            present = timeline[position].kind in ENTRY
            position += 1
        add(starts, key, int(present), index, index + 1)
        while position < size and timeline[position].event_date <= last:
            event = timeline[position]
            entering = event.kind in ENTRY
            if entering != present:  # a second exit, say, changes no state: nothing moves
                present = entering
                getattr(lines[index][key[0]], ENTRY[event.kind] if entering else EXIT[event.kind])[key[1]] += 1
            position += 1
        if position == size:  # no events left: present from here on
            add(ends, key, int(present), index)
            add(starts, key, int(present), index + 1)
            return
        add(ends, key, int(present), index, index + 1)


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
