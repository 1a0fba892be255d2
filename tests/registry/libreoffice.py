"""LibreOffice as a second writer for the import tests: `soffice --headless --convert-to` (Debian's
libreoffice-calc-nogui, installed by `make test` through scripts/ensure-chromium.sh)."""
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def convert(paths, fmt, outdir):
    """Convert workbooks to fmt ('xls', 'ods', 'xlsx') in one soffice run; returns the new paths in order."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".profile"  # a private profile: other soffice runs on the machine do not interfere
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(outdir), *map(str, paths)],
                   check=True, timeout=300, stdin=subprocess.DEVNULL, capture_output=True)
    converted = [outdir / f"{Path(path).stem}.{fmt}" for path in paths]
    missing = [str(path) for path in converted if not path.is_file()]
    assert not missing, f"soffice did not write {missing}"
    return converted
