"""No silent skips: what a skipped test was missing, and whether this run is CI (where a missing part fails).

Outside CI a test whose outside part (Chromium, espeak-ng, LibreOffice, librsvg, PostgreSQL) is missing is skipped
and the summary line counts it; with CI=true the same skip is turned into a failure with a clear message,
so a CI machine without Chromium cannot pass by running none of the browser tests.
"""
import os
import re
import shutil

import pytest

# (part, what a skip reason names when that part is missing, label in the summary line)
PARTS = (
    ("Chromium", re.compile(r"chromium|playwright", re.I), "browser"),
    ("PostgreSQL", re.compile(r"postgres", re.I), "PostgreSQL"),
    ("espeak-ng", re.compile(r"espeak", re.I), "espeak-ng"),
    ("LibreOffice", re.compile(r"soffice|libreoffice", re.I), "LibreOffice"),
    ("librsvg", re.compile(r"rsvg|librsvg", re.I), "librsvg"),
)
# A reason that names a part but not its absence ("SQLite only: PostgreSQL locks ...") is a design skip.
ABSENT = re.compile(r"not installed|not found|missing|not set|does not answer|unavailable|no such|"
                    r"could not (?:import|connect|start)|cannot (?:be )?(?:found|reached|started)|"
                    r"tidak (?:ada|terpasang|ditemukan|menjawab)", re.I)
HINTS = {
    "Chromium": "install Debian's chromium (make test-setup runs scripts/ensure-chromium.sh)",
    "espeak-ng": "install Debian's espeak-ng (make test-setup runs scripts/ensure-chromium.sh)",
    "LibreOffice": "install Debian's libreoffice-core so soffice is on PATH (make test-setup)",
    "librsvg": "install Debian's librsvg2-bin so rsvg-convert is on PATH (make test-setup)",
    "PostgreSQL": "set KUPANG_TEST_POSTGRES_URL to a server that answers (.ci/run sets the default)",
}


def in_ci():
    """True when the run is CI (CI=true, as .ci/run sets): a missing part then fails instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def missing_part(reason):
    """The outside part a skip reason says is missing ('Chromium', 'PostgreSQL' ...), or None."""
    if not reason or not ABSENT.search(reason):
        return None
    for part, names, _label in PARTS:
        if names.search(reason):
            return part
    return None


def label_of(part):
    """The summary-line word for a part: 'browser' for Chromium, the part's own name otherwise."""
    return next(label for name, _names, label in PARTS if name == part)


def skip_reason(report):
    """The reason text of a skipped test report ('' when it has none)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def ci_failure_message(part, reason):
    """The message a CI run shows for a test skipped because a required part is missing."""
    return (f"CI=true: {part} is missing, and in CI a missing part fails the run instead of skipping "
            f"({reason}). Fix: {HINTS[part]}.")


def require_program(name, part):
    """The path of a program the test needs; skips with the policy's wording when missing (fails in CI)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{part}: {name} is not installed (not found on PATH)")
    return path


def postgres_problem(url, timeout=3):
    """Why the PostgreSQL server in url does not answer (a short text), or None when it does."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn, connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


def shown_url(url):
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main():
    """`python -m tests.skip_policy`: say whether KUPANG_TEST_POSTGRES_URL answers (make test prints it)."""
    url = os.environ.get("KUPANG_TEST_POSTGRES_URL")
    if not url:
        print("KUPANG_TEST_POSTGRES_URL kosong: tes PostgreSQL tidak dijalankan.")
        return 0
    problem = postgres_problem(url)
    if problem:
        print(f"PostgreSQL di {shown_url(url)} tidak menjawab ({problem}): tes PostgreSQL tidak dijalankan"
              + (" dan CI gagal." if in_ci() else "; ringkasan pytest menghitungnya."))
        return 1
    print(f"PostgreSQL di {shown_url(url)} menjawab: tes juga berjalan di PostgreSQL.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
