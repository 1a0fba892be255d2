"""Rotation by date: the newest backup of each of the last 7 days, 4 ISO weeks and 12 months is kept."""
from datetime import datetime, timedelta

from kupang.ops.backup import rotate
from kupang.ops.rotation import backup_name, names_to_delete, names_to_keep


def daily_names(start, days, per_day=1):
    """Backup names for `days` consecutive days from start, `per_day` each (hours 8, 9, ...)."""
    return [backup_name(start + timedelta(days=d, hours=8 + h)) for d in range(days) for h in range(per_day)]


def test_a_year_of_daily_backups_keeps_7_4_12():
    names = daily_names(datetime(2026, 1, 1), 365)
    kept = names_to_keep(names)
    newest = datetime(2026, 1, 1) + timedelta(days=364)
    dates = sorted(datetime.strptime(n[16:31], "%Y%m%d-%H%M%S") for n in kept)
    last7 = {(newest - timedelta(days=d)).date() for d in range(7)}
    assert last7 <= {d.date() for d in dates}
    weeks = {d.isocalendar()[:2] for d in dates}
    assert len({(newest - timedelta(weeks=w)).isocalendar()[:2] for w in range(4)} & weeks) == 4
    months = {(d.year, d.month) for d in dates}
    assert months == {(2026, m) for m in range(1, 13)}
    # 7 daily + 3 more weeks + 11 more months at most, never everything
    assert 12 <= len(kept) <= 7 + 4 + 12
    assert len(names_to_delete(names)) == 365 - len(kept)


def test_the_newest_of_each_day_is_the_one_kept():
    names = daily_names(datetime(2026, 11, 20), 3, per_day=3)
    kept = names_to_keep(names)
    newest_per_day = {backup_name(datetime(2026, 11, 20 + d, 10)) for d in range(3)}
    assert kept == newest_per_day | {backup_name(datetime(2026, 11, 22, 9))}  # plus the second newest


def test_days_without_a_backup_do_not_count():
    """An office closed for a fortnight still has seven daily backups afterwards."""
    names = daily_names(datetime(2026, 10, 1), 10) + daily_names(datetime(2026, 11, 1), 2)
    kept = names_to_keep(names)
    daily = sorted(kept)[-7:]
    assert len([n for n in daily if n >= backup_name(datetime(2026, 10, 6))]) == 7


def test_rotate_deletes_only_our_files(tmp_path):
    names = daily_names(datetime(2026, 1, 1), 40)
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "catatan-admin.txt").write_text("jangan dihapus")
    (tmp_path / "kupang-cadangan-rusak.kupang").write_bytes(b"x")
    removed = rotate(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert "catatan-admin.txt" in left and "kupang-cadangan-rusak.kupang" in left
    assert set(removed) == set(names) - set(left)
    assert len(removed) > 20
    assert backup_name(datetime(2026, 1, 1) + timedelta(days=39, hours=8)) in left
