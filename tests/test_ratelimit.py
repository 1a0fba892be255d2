"""The public pages' per-minute limit is one count for all gunicorn workers, in its own file."""
import multiprocessing
import sqlite3

from kupang import ratelimit
from tests.concurrency import Gunicorn, at_once


def test_the_window_slides_across_a_minute_boundary(tmp_path):
    path = tmp_path / "limits.sqlite3"
    at = 6000 * 60.0  # the start of a minute
    assert [ratelimit.allow_in_file(path, "k", 3, at + s) for s in (1, 2, 3, 4)] == [True, True, True, False]
    # 60 s on, the previous minute is wholly inside the window: still refused
    assert ratelimit.allow_in_file(path, "k", 3, at + 60) is False
    # 90 s on, half of the previous minute's 3 is still inside (1.5, rounded up to 2): one more, then no
    assert [ratelimit.allow_in_file(path, "k", 3, at + 90 + s / 10) for s in (0, 1)] == [True, False]
    # 150 s on: the 3 are out of any window; the 1 of minute 1 weighs half (0.5 -> 1): two more
    assert [ratelimit.allow_in_file(path, "k", 3, at + 150 + s / 10) for s in (0, 1, 2)] == [True, True, False]
    assert ratelimit.allow_in_file(path, "other", 3, at + 150) is True  # keys are counted apart


def test_old_minutes_are_forgotten(tmp_path):
    path = tmp_path / "limits.sqlite3"
    at = 7000 * 60.0
    for n in range(5):
        ratelimit.allow_in_file(path, f"ip{n}", 10, at)
    ratelimit.allow_in_file(path, "late", 10, at + 600)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT key FROM hits").fetchall() == [("late",)]


def _hammer(path, results, limit):
    results.put(sum(ratelimit.allow_in_file(path, "shared", limit) for _ in range(10)))


def test_four_processes_share_one_count(tmp_path):
    """As four gunicorn workers would: 40 requests against a limit of 12 pass 12 times in all, not 12 each."""
    path = tmp_path / "limits.sqlite3"
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_hammer, args=(path, results, 12)) for _ in range(4)]
    for worker in workers:
        worker.start()
    allowed = sum(results.get(timeout=30) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert allowed == 12


def test_an_unusable_file_falls_back_to_a_limit_per_worker(app):
    from pathlib import Path

    Path(app.config["RATELIMIT_FILE"]).mkdir(parents=True)  # a folder where the file should be
    ratelimit._memory.clear()  # noqa: SLF001 - the fallback is per process; start it empty
    app.config["LETTER_VERIFY_PER_MINUTE"] = 2
    client = app.test_client()
    statuses = [client.get("/surat/cek/x", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_through_gunicorn_the_limit_holds_for_all_workers_together(app, db_url, tmp_path):
    instance = tmp_path / "instance"  # its own instance folder: no other test's counts
    instance.mkdir()
    server = Gunicorn(db_url, instance, tmp_path / "gunicorn.log", workers=3, threads=4,
                      env={"KUPANG_LETTER_VERIFY_PER_MINUTE": "5"}).start()
    try:
        statuses = at_once([lambda: server.client().get("/surat/cek/tidak-ada")[0] for _ in range(24)])
        statuses += [server.client().get("/surat/cek/tidak-ada")[0] for _ in range(6)]
    finally:
        server.stop()
    assert "Traceback" not in server.log()
    assert sorted(statuses) == [404] * 5 + [429] * 25  # 5 answers in all, whichever worker took each
