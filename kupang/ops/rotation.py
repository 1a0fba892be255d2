"""Which backups to keep: the newest of each of the last 7 days, 4 ISO weeks and 12 months that have one,
and the two newest of all.

Counted over days that have a backup, as restic and borg do, so an office closed for a fortnight still
keeps seven daily copies. Files are named by their office-local time, which is what the buckets use.
"""
import re
from datetime import datetime

NAME_RE = re.compile(r"^kupang-cadangan-(\d{8}-\d{6})\.kupang$")
KEEP = {"daily": 7, "weekly": 4, "monthly": 12}
KEEP_LATEST = 2  # and the two newest whatever their day: a fresh backup never replaces the only other one


def backup_time(name):
    """The local time in a backup file name, or None for a name that is not one of ours."""
    match = NAME_RE.match(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def backup_name(local_time):
    """The file name of a backup made at a local time."""
    return f"kupang-cadangan-{local_time:%Y%m%d-%H%M%S}.kupang"


def _buckets(moment):
    iso = moment.isocalendar()
    return {"daily": moment.date(), "weekly": (iso[0], iso[1]), "monthly": (moment.year, moment.month)}


def names_to_keep(names, keep=None):
    """The subset of backup names the rotation keeps (names that are not ours are never in play)."""
    keep = keep or KEEP
    dated = sorted(((backup_time(n), n) for n in names if backup_time(n)), reverse=True)
    kept = {name for _moment, name in dated[:KEEP_LATEST]}
    for rule, limit in keep.items():
        seen = []
        for moment, name in dated:
            bucket = _buckets(moment)[rule]
            if bucket in seen:
                continue
            if len(seen) >= limit:
                break
            seen.append(bucket)
            kept.add(name)
    return kept


def names_to_delete(names, keep=None):
    """Our backup names the rotation removes, oldest first."""
    kept = names_to_keep(names, keep)
    return sorted(n for n in names if backup_time(n) and n not in kept)
