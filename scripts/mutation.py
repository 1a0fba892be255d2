"""`make mutation`: run mutmut over the rule modules and print a table (module, mutants, killed, survived, %).

The modules and their fast tests are in pyproject.toml ([tool.mutmut]). A survivor listed in
tests/mutation/EQUIVALENT.md (with the reason it cannot be told apart from the original) is shown apart;
any other survivor, or a mutant no test reaches, counts against the module. Exits 1 when a module has more
than --threshold percent of such survivors.

    python scripts/mutation.py                 fresh run of every module
    python scripts/mutation.py --keep          reuse mutants/ (only changed functions and new tests rerun)
    python scripts/mutation.py --report        only print the table of the last run
    python scripts/mutation.py --retest        rerun the survivors and timeouts of the last run (after new tests)
    python scripts/mutation.py 'kupang.registry.nik.*'   rerun the mutants matching a pattern
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "tests" / "mutation" / "EQUIVALENT.md"
OUTPUT = ROOT / "test-output" / "mutation"
# mutmut's exit codes (mutmut/__main__.py status_by_exit_code): what each means for this table.
KILLED = {1, 3, -24, 24, 152, 255, 36}  # a failing test, a pytest internal error, or a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def modules():
    """The files [tool.mutmut] only_mutate names, in its order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["mutmut"]["only_mutate"]


def equivalents():
    """{mutant name: reason} from tests/mutation/EQUIVALENT.md ('- `name`: reason' lines)."""
    if not EQUIVALENT.exists():
        return {}
    found = re.findall(r"^- `([^`]+)`:?\s*(.*)$", EQUIVALENT.read_text(encoding="utf-8"), re.M)
    return dict(found)


def results(path):
    """{mutant name: exit code} of one module from mutmut's meta file (empty before a run)."""
    meta = ROOT / "mutants" / f"{path}.meta"
    if not meta.exists():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def retest_names():
    """Mutants worth another run once tests were added: survivors, untested ones and timeouts."""
    again = SURVIVED | NO_TESTS | {36, -24, 24, 152, 255}
    accepted = equivalents()
    return [name for path in modules() for name, code in results(path).items()
            if (code in again or code is None) and name not in accepted]


def forget_results(names):
    """Mark these mutants not checked, so the next `mutmut run` tests them again (with every new test)."""
    names = set(names)
    for path in modules():
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            continue
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["exit_code_by_key"] = {name: None if name in names else code
                                    for name, code in data["exit_code_by_key"].items()}
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")


def tally(path, accepted):
    """Counts for one module: mutants, killed, survived, no tests, equivalent, not run, unexplained names."""
    row = {"mutants": 0, "killed": 0, "survived": 0, "no_tests": 0, "equivalent": 0, "not_run": 0}
    unexplained = []
    for name, code in results(path).items():
        row["mutants"] += 1
        if code in KILLED:
            row["killed"] += 1
        elif code is None:
            row["not_run"] += 1  # the run was stopped before this mutant
        elif code in SURVIVED | NO_TESTS:
            row["survived" if code in SURVIVED else "no_tests"] += 1
            if name in accepted:
                row["equivalent"] += 1
            else:
                unexplained.append(name)
        else:
            unexplained.append(name)  # suspicious or crashed: look at it
    row["unexplained"] = unexplained
    return row


def share(row):
    """Unexplained survivors as a percentage of the mutants that were run."""
    checked = row["mutants"] - row["not_run"]
    return 100 * len(row["unexplained"]) / checked if checked else 0.0


def table(rows):
    """The table as Markdown lines."""
    lines = ["| module | mutants | killed | survived | no tests | equivalent (listed) | not run | "
             "survived, unexplained |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    keys = ("mutants", "killed", "survived", "no_tests", "equivalent", "not_run")
    total = {key: 0 for key in keys}
    total["unexplained"] = []
    for path, row in rows:
        lines.append(f"| {path} | " + " | ".join(str(row[key]) for key in keys)
                     + f" | {len(row['unexplained'])} ({share(row):.1f} %) |")
        for key in keys:
            total[key] += row[key]
        total["unexplained"] += row["unexplained"]
    lines.append("| **all** | " + " | ".join(str(total[key]) for key in keys)
                 + f" | {len(total['unexplained'])} ({share(total):.1f} %) |")
    return lines


def write_survivors(rows):
    """test-output/mutation/survivors.txt: the diff of every unexplained survivor, to write tests against."""
    names = [name for _path, row in rows for name in row["unexplained"]]
    out = OUTPUT / "survivors.txt"
    if not names:
        out.write_text("", encoding="utf-8")
        return out
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    with out.open("w", encoding="utf-8") as f:
        for name in names:
            try:
                f.write(f"# {name}\n{get_diff_for_mutant(name)}\n\n")
            except Exception as error:  # noqa: BLE001 - a stale name must not hide the others
                f.write(f"# {name}\n(no diff: {error})\n\n")
    return out


def run_mutmut(patterns, max_children):
    """Run `mutmut run`, its spinner into test-output/mutation/mutmut.log; returns its exit code."""
    log = OUTPUT / "mutmut.log"
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *patterns]
    # Every mutant is a new pytest session: reuse one migrated SQLite template instead of migrating each time.
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation", "KUPANG_TEST_TEMPLATE_CACHE": str(OUTPUT / "template")}
    env.pop("CI", None)  # the skip policy is for the suite; mutmut's selection has no browser or PostgreSQL
    shown = " ".join(command[2:6]) + (f" and {len(patterns)} mutant names or patterns" if patterns else "")
    print("mutmut:", shown, f"(log: {log.relative_to(ROOT)})", flush=True)
    with log.open("w", encoding="utf-8") as f:
        code = subprocess.call(command, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
    tail = log.read_text(encoding="utf-8", errors="replace").replace("\r", "\n").strip().splitlines()[-3:]
    print("\n".join(tail))
    return code


def main(argv=None):
    """Run (unless --report) and print the table; exit 1 past the threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="mutant name patterns to rerun (kupang.registry.nik.*)")
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ from the last run")
    parser.add_argument("--report", action="store_true", help="only print the table of the last run")
    parser.add_argument("--retest", action="store_true", help="rerun the last run's survivors and timeouts")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threshold", type=float, default=10.0, help="largest share of unexplained survivors")
    args = parser.parse_args(argv)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if args.retest:
        forget_results(retest_names())
        args.keep = True
    if not args.report:
        if not (args.keep or args.patterns):
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        if run_mutmut(args.patterns, args.max_children) != 0:
            print("mutmut gagal; lihat log di atas.", file=sys.stderr)
            return 2
    accepted = equivalents()
    rows = [(path, tally(path, accepted)) for path in modules()]
    lines = table(rows)
    print("\n".join(lines))
    (OUTPUT / "table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    survivors = write_survivors(rows)
    print(f"\nDiffs of unexplained survivors: {survivors.relative_to(ROOT)}")
    if not args.report:
        print(f"Waktu: {(time.monotonic() - started) / 60:.1f} menit")
    over = [path for path, row in rows if not row["mutants"] or row["not_run"] or share(row) > args.threshold]
    if over:
        print(f"Lebih dari {args.threshold:g} % mutan bertahan, atau belum semua dijalankan, di: {', '.join(over)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
