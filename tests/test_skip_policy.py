"""No silent skips: a run with a part hidden fails in CI with a clear message and is counted outside CI.

Each case runs pytest (or make, or .ci/run) in a subprocess with an environment that hides one part.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import skip_policy

ROOT = Path(__file__).resolve().parents[1]
CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/test"
ONE_BROWSER_TEST = ["tests/test_screens.py", "-k", "small-login"]
ONE_POSTGRES_TEST = ["tests/queue/test_numbering.py", "-k", "numbers_count_up and postgresql"]
ESPEAK_TEST = ["tests/queue/test_speech.py::test_renderer_writes_clips_chime_and_manifest"]


def environment(ci, **changes):
    """This process's environment without CI settings, plus the changes (None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "HYPOTHESIS_PROFILE")}
    env["KUPANG_TEST_POSTGRES_URL"] = CLOSED_PORT  # the cases below do not need a real server
    if ci:
        env["CI"] = "true"
    for key, value in changes.items():
        env.pop(key, None) if value is None else env.__setitem__(key, value)
    return env


def run_pytest(args, env):
    """Run pytest on the selection in a subprocess; (exit code, output)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def closing_line(output):
    """pytest's last line ('=== 1 skipped, 1 browser test not run in 0.5s ===' without the rule)."""
    return output.strip().splitlines()[-1].strip("= ")


def test_ci_without_chromium_fails_with_a_clear_message():
    code, output = run_pytest(ONE_BROWSER_TEST, environment(True, KUPANG_TEST_CHROMIUM="/nonexistent/chromium"))
    assert code == 1, output
    assert "CI=true: Chromium is missing" in output
    assert "install Debian's chromium" in output
    assert "Chromium: 1 test(s) failed because it is missing" in output
    assert "1 error" in closing_line(output)


def test_without_chromium_outside_ci_the_closing_line_counts_the_browser_tests():
    code, output = run_pytest(ONE_BROWSER_TEST, environment(False, KUPANG_TEST_CHROMIUM="/nonexistent/chromium"))
    assert code == 0, output
    assert re.match(r"1 skipped, \d+ deselected, 1 browser test not run in ", closing_line(output)), output


def test_ci_without_espeak_fails(tmp_path):
    # An empty PATH hides espeak-ng (pytest itself runs by its full path).
    code, output = run_pytest(ESPEAK_TEST, environment(True, PATH=str(tmp_path)))
    assert code == 1, output
    assert "CI=true: espeak-ng is missing" in output
    code, output = run_pytest(ESPEAK_TEST, environment(False, PATH=str(tmp_path)))
    assert code == 0 and "1 espeak-ng test not run" in closing_line(output), output


def test_ci_without_a_postgresql_server_fails():
    code, output = run_pytest(ONE_POSTGRES_TEST, environment(True))
    assert code == 1, output
    assert "CI=true: PostgreSQL is missing" in output and "127.0.0.1:1/test does not answer" in output
    code, output = run_pytest(ONE_POSTGRES_TEST, environment(True, KUPANG_TEST_POSTGRES_URL=None))
    assert code == 1 and "KUPANG_TEST_POSTGRES_URL not set" in output, output


def test_without_postgresql_outside_ci_the_closing_line_counts_the_postgresql_tests():
    code, output = run_pytest(ONE_POSTGRES_TEST, environment(False))
    assert code == 0, output
    assert re.match(r"1 skipped, \d+ deselected, 1 PostgreSQL test not run in ", closing_line(output)), output
    assert "SKIPPED [1] tests/skip_policy.py" in output  # every such skip folded into one line


@pytest.mark.parametrize("reason, part", [
    ("Chromium is not installed (/usr/bin/chromium not found)", "Chromium"),
    ("PostgreSQL at postgresql://x does not answer: refused", "PostgreSQL"),
    ("PostgreSQL not set up: KUPANG_TEST_POSTGRES_URL not set", "PostgreSQL"),
    ("espeak-ng is not installed, so there are no voice clips", "espeak-ng"),
    ("soffice not found on PATH", "LibreOffice"),
    ("LibreOffice is missing", "LibreOffice"),
    ("librsvg: rsvg-convert is not installed (not found on PATH)", "librsvg"),
    ("could not import 'playwright': No module named 'playwright'", "Chromium"),
    ("SQLite only: PostgreSQL locks the sequence row instead", None),  # a skip by design
    ("SQLite only", None),
    ("", None),
])
def test_which_skips_name_a_missing_part(reason, part):
    assert skip_policy.missing_part(reason) == part


def test_require_program_skips_with_the_policys_wording(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.skip.Exception) as skipped:
        skip_policy.require_program("soffice", "LibreOffice")
    assert skip_policy.missing_part(str(skipped.value)) == "LibreOffice"
    program = tmp_path / "soffice"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert skip_policy.require_program("soffice", "LibreOffice") == str(program)


def test_make_treats_no_tests_collected_as_a_failure():
    done = subprocess.run(["make", "--no-print-directory", "pytest",
                           "PYTEST_ARGS=-p no:cacheprovider tests/test_core_helpers.py -k no_such_test_anywhere"],
                          cwd=ROOT, env=environment(False), capture_output=True, text=True, timeout=300)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "pytest tidak menemukan satu tes pun (kode 5)" in done.stderr
    assert "PostgreSQL di postgresql://postgres@127.0.0.1:1/test tidak menjawab" in done.stdout


def test_ci_run_sets_ci_and_passes_every_exit_code_on(tmp_path):
    # A stand-in for make that records what .ci/run hands it and exits like pytest with no tests.
    record = tmp_path / "seen"
    fake = tmp_path / "make"
    fake.write_text(f'#!/bin/sh\necho "$@ CI=$CI URL=$KUPANG_TEST_POSTGRES_URL" > {record}\nexit 5\n')
    fake.chmod(0o755)
    env = environment(False, KUPANG_TEST_POSTGRES_URL=None, PATH=f"{tmp_path}:{os.environ['PATH']}")
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 5
    assert record.read_text().strip() == "test CI=true URL=postgresql://postgres@127.0.0.1:5432/test"
