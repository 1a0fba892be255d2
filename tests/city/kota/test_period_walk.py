"""period_balances (one walk for twelve months) gives, month by month, what the office's original per-period
walk gave: the old `_follow` is kept here as the oracle, over random timelines."""
import random
from collections import defaultdict, namedtuple
from datetime import date, timedelta

from kupang.reports.periods import month_bounds
from kupang.reports.population import ENTRY, EXIT, Balance, _by_resident, _sex, balance_lines, period_balances

Row = namedtuple("Row", "resident_id kind event_date rw sex life_status")
KINDS = tuple(ENTRY) + tuple(EXIT)


def oracle(living_now, events, first, last):
    """The office's monthly_balance before period_balances (copied from kupang/reports/population.py)."""
    lines = defaultdict(Balance)
    for rw, sex, count in living_now:
        lines[rw or ""].start[_sex(sex)] += count
        lines[rw or ""].end[_sex(sex)] += count
    for timeline in _by_resident(events):
        head = timeline[0]
        if head.life_status == "hidup":
            lines[head.rw or ""].start[_sex(head.sex)] -= 1
            lines[head.rw or ""].end[_sex(head.sex)] -= 1
        follow(timeline, first, last, lines)
    total = Balance()
    for line in lines.values():
        total.add(line)
    return dict(sorted(lines.items())), total


def follow(timeline, first, last, lines):
    """The office's _follow: one resident's state and moves in the period."""
    head = timeline[0]
    line, sex = lines[head.rw or ""], _sex(head.sex)
    present, at_start = head.kind in EXIT, None
    for event in timeline:
        if at_start is None and event.event_date >= first:
            at_start = present
        if event.event_date > last:
            break
        entering = event.kind in ENTRY
        if entering == present:
            continue
        present = entering
        if event.event_date >= first:
            getattr(line, ENTRY[event.kind] if entering else EXIT[event.kind])[sex] += 1
    if at_start is None:
        at_start = present
    if at_start:
        line.start[sex] += 1
    if present:
        line.end[sex] += 1


def as_tuple(lines, total):
    names = ("start", "births", "deaths", "moved_in", "moved_out", "others_out", "end")
    flat = lambda b: tuple((n, b.total(n), getattr(b, n)[1]) for n in names)  # noqa: E731
    return {k: flat(v) for k, v in lines.items() if any(x[1] for x in flat(v))}, flat(total)


def timelines(rng, people):
    """Random residents with 0-4 events over two years, in the report's order."""
    rows = []
    start = date(2025, 1, 1)
    for resident in range(people):
        rw, sex = rng.choice(["001", "002", ""]), rng.choice([1, 2, None])
        status = rng.choice(["hidup", "hidup", "mati", "pindah", "hilang"])
        for day in sorted(start + timedelta(days=rng.randrange(700)) for _ in range(rng.randrange(5))):
            rows.append(Row(resident, rng.choice(KINDS), day, rw, sex, status))
    return rows


def test_twelve_months_in_one_walk_equal_the_per_month_oracle():
    rng = random.Random(14)
    for _round in range(25):
        events = timelines(rng, 60)
        living = [("001", 1, rng.randrange(40)), ("002", 2, rng.randrange(40)), ("", None, 3)]
        months = [(2025, m) for m in range(3, 13)] + [(2026, 1), (2026, 2)]
        periods = [month_bounds(y, m) for y, m in months]
        walked = period_balances(living, events, periods)
        for (first, last), (lines, total) in zip(periods, walked, strict=True):
            assert as_tuple(lines, total) == as_tuple(*oracle(living, events, first, last))
            assert as_tuple(*balance_lines(living, events, first, last)) == as_tuple(lines, total)
