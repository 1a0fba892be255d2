"""Letter numbers: formats, the yearly reset at WITA new year, per-code vs office-wide, a clock gone back."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.models import LetterSequence
from kupang.letters.numbering import NumberingError, check_format, format_number, next_number

from .fixtures import wita


def test_default_format_gives_the_offices_usual_number(app):
    with app.app_context():
        number = format_number("{kode}/{nomor}/{kelurahan}/{bulan_romawi}/{tahun}", code="470", value=123,
                               kelurahan="NKT.II", at=wita(2026, 12, 1))
    assert number == "470/0123/NKT.II/XII/2026"


def test_month_and_year_are_the_wita_ones(app):
    """31 December 2026 23:30 WITA is still 2026 though UTC is 15:30 the same day; 1 January 00:30 WITA is 2027."""
    with app.app_context():
        before = format_number("{nomor}/{bulan_romawi}/{tahun}", code="x", value=1, kelurahan="",
                               at=wita(2026, 12, 31, 23, 30))
        after = format_number("{nomor}/{bulan}/{tahun}", code="x", value=1, kelurahan="",
                              at=wita(2027, 1, 1, 0, 30))
    assert before == "0001/XII/2026"
    assert after == "0001/01/2027"


def test_large_numbers_are_not_cut(app):
    with app.app_context():
        assert format_number("{nomor}", code="", value=12345, kelurahan="", at=wita(2026, 5, 5)) == "12345"


@pytest.mark.parametrize(("pattern", "message"), [
    ("{kode}/{tahun}", "harus memuat {nomor}"),
    ("{kode}/{nomor}/{rahasia}", "Token tidak dikenal"),
])
def test_bad_formats_are_refused_in_indonesian(pattern, message):
    with pytest.raises(NumberingError, match=message.replace("{", r"\{").replace("}", r"\}")):
        check_format(pattern)


def _issue(code, scope, at):
    with write_intent():
        result = next_number(code, scope, at)
        db.session.commit()
        return result[:3]


def test_per_code_sequences_count_separately(app):
    with app.app_context():
        assert _issue("470", "kode", wita(2026, 3, 1)) == (2026, "470", 1)
        assert _issue("470", "kode", wita(2026, 3, 2)) == (2026, "470", 2)
        assert _issue("474", "kode", wita(2026, 3, 3)) == (2026, "474", 1)
        assert _issue("470", "kode", wita(2026, 3, 4)) == (2026, "470", 3)


def test_office_wide_sequence_counts_every_code_together(app):
    with app.app_context():
        assert _issue("470", "kantor", wita(2026, 3, 1)) == (2026, "*", 1)
        assert _issue("474", "kantor", wita(2026, 3, 2)) == (2026, "*", 2)
        assert _issue("503", "kantor", wita(2026, 3, 3)) == (2026, "*", 3)


def test_sequence_restarts_at_wita_new_year(app):
    """A letter at 23:59 WITA on 31 December is the year's last; the one at 00:01 WITA on 1 January is 0001."""
    with app.app_context():
        assert _issue("470", "kode", wita(2026, 12, 31, 23, 58)) == (2026, "470", 1)
        assert _issue("470", "kode", wita(2026, 12, 31, 23, 59)) == (2026, "470", 2)
        # 00:01 WITA is still 31 December in UTC (16:01): the year is the WITA one.
        new_year = wita(2027, 1, 1, 0, 1)
        assert new_year.year == 2026
        assert _issue("470", "kode", new_year) == (2027, "470", 1)
        rows = db.session.execute(select(LetterSequence.year, LetterSequence.last_value)).all()
        assert sorted(rows) == [(2026, 2), (2027, 1)]


def test_a_clock_gone_back_refuses_instead_of_repeating(app):
    with app.app_context():
        _issue("470", "kode", wita(2026, 6, 1, 10))
        with pytest.raises(NumberingError, match="Jam komputer server lebih awal"):
            _issue("470", "kode", wita(2026, 6, 1, 10) - timedelta(minutes=5))
        with write_intent():
            db.session.rollback()
        assert db.session.get(LetterSequence, (2026, "470")).last_value == 1


def test_a_clock_back_into_last_year_refuses(app):
    with app.app_context():
        _issue("470", "kode", wita(2027, 1, 2))
        with pytest.raises(NumberingError):
            _issue("470", "kode", wita(2026, 12, 30))


def test_numbering_outside_a_write_transaction_is_a_programming_error(sqlite_template, tmp_path, instance_dir):
    """On SQLite a deferred transaction that turns into a write fails under load: next_number refuses it."""
    import shutil

    from tests.conftest import build_app

    shutil.copy(sqlite_template, tmp_path / "k.db")
    app = build_app(f"sqlite:///{tmp_path / 'k.db'}", instance_dir)
    with app.app_context():
        with pytest.raises(RuntimeError, match="write transaction"):
            next_number("470", "kode", wita(2026, 1, 5))
        db.session.remove()
        db.engine.dispose()


def test_format_messages_and_the_length_limit_exactly():
    with pytest.raises(NumberingError) as unknown:
        check_format("{kode}/{nomor}/{rahasia}/{apa}")
    assert str(unknown.value) == (
        "Token tidak dikenal pada format nomor: {apa}, {rahasia}. Token yang tersedia: {kode}, {nomor}, "
        "{kelurahan}, {bulan_romawi}, {bulan}, {tahun}.")
    with pytest.raises(NumberingError) as missing:
        check_format("{kode}/{tahun}")
    assert str(missing.value) == "Format nomor harus memuat {nomor}."
    check_format("{nomor}" + "x" * 53)  # 60 characters: allowed
    with pytest.raises(NumberingError) as long:
        check_format("{nomor}" + "x" * 54)
    assert str(long.value) == "Format nomor terlalu panjang (maksimal 60 karakter)."


def test_the_clock_is_read_again_once_the_lock_is_held(app, monkeypatch):
    """Without `at`: the instant is the later of before and after the lock, and its WITA year decides."""
    from kupang.letters import numbering

    readings = iter([wita(2026, 12, 31, 23, 59, 59), wita(2027, 1, 1, 0, 0, 1)])
    monkeypatch.setattr(numbering, "now_utc", lambda: next(readings))
    with app.app_context():
        with write_intent():
            assert next_number("470", "kode") == (2027, "470", 1, wita(2027, 1, 1, 0, 0, 1))
            db.session.commit()
        assert db.session.get(LetterSequence, (2026, "470")).last_value == 0  # made under the lock, not used
        # A reading after the lock that is earlier (the clock stepped back a little) keeps the first one.
        readings = iter([wita(2027, 1, 2, 9), wita(2027, 1, 2, 8, 59)])
        monkeypatch.setattr(numbering, "now_utc", lambda: next(readings))
        with write_intent():
            assert next_number("470", "kode") == (2027, "470", 2, wita(2027, 1, 2, 9))
            db.session.commit()


def test_a_clock_gone_back_names_the_last_letters_time(app):
    with app.app_context():
        _issue("470", "kode", wita(2026, 6, 1, 10, 0, 5))
        with pytest.raises(NumberingError) as refused:
            _issue("470", "kode", wita(2026, 6, 1, 9, 59))
        assert str(refused.value) == (
            "Jam komputer server lebih awal dari surat terakhir yang sudah diterbitkan (01-06-2026 10.00.05 WITA). "
            "Surat tidak diterbitkan agar tidak ada nomor ganda; minta admin memeriksa jam server.")
        with write_intent():
            db.session.rollback()
        assert _issue("470", "kode", wita(2026, 6, 1, 10, 0, 5)) == (2026, "470", 2)  # the same instant is fine
        assert _issue("474", "kode", wita(2026, 6, 1, 9)) == (2026, "474", 1)  # another code has its own clock
