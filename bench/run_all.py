"""Run every benchmark under bench/ one after another and print their tables (make bench)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_foundation.py", "bench_registry.py", "bench_import.py", "bench_completeness.py", "bench_budget.py",
         "bench_queue_issue.py", "bench_queue_display.py", "bench_reports.py", "bench_letters.py"]


def main():
    """Run each script with the arguments given to this one (e.g. --json); stop at the first failure."""
    for name in ORDER:
        print(f"\n===== {name} =====", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name), *sys.argv[1:]], cwd=HERE.parent, check=False)
        if result.returncode != 0:
            print(f"{name} gagal (kode {result.returncode})", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
