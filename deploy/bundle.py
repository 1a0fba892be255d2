"""`make bundle`: one archive to install kupang on an office machine with no network.

kupang-bundle.tar.gz holds kupang/ (a git checkout of HEAD, so later updates can come from a newer bundle),
and in kupang/.bundle/: wheels for every pinned requirement for x86_64 and aarch64 (Raspberry Pi OS 64-bit)
where PyPI has them, the npm tarball of htmx, and the rendered voice clips. `make run BUNDLE=...` (or
deploy/from-bundle.sh) installs from it with pip --no-index and npm --offline.

Usage: .venv/bin/python deploy/bundle.py [--out kupang-bundle.tar.gz] [--arch x86_64 --arch aarch64]
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHES = ("x86_64", "aarch64")
PLATFORMS = ("manylinux_2_28_{a}", "manylinux_2_17_{a}", "manylinux2014_{a}", "musllinux_1_1_{a}", "linux_{a}")


def pins():
    """The exact `name==version` lines of requirements.txt."""
    found = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if re.match(r"^[A-Za-z0-9_.\-\[\]]+==[^=\s]+$", line):
            found.append(line)
    return found


def download_wheels(folder, arch, python):
    """Wheels of every pin for one architecture (each pin alone, so one missing wheel is reported, not fatal)."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = []
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p.format(a=arch))]
    for pin in pins():
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
                               "--no-deps", "--only-binary=:all:", *platforms, "--python-version", python,
                               "--implementation", "cp", "-d", str(folder), pin], capture_output=True, text=True)
        if done.returncode != 0:
            missing.append(pin)
    return missing


def npm_tarball(folder):
    """`npm pack` of the htmx version the lockfile pins; returns its file name."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/htmx.org"]["version"]
    folder.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(["npm", "pack", f"htmx.org@{version}", "--pack-destination", str(folder), "--silent"],
                         cwd=folder, capture_output=True, text=True, check=True).stdout.strip().splitlines()
    return out[-1]


def voice_clips(folder):
    """Copy the rendered voice clips (rendered first when missing)."""
    voice = ROOT / "static" / "voice"
    if not (voice / "manifest.json").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "render_voice.py")], cwd=ROOT, check=True)
    shutil.copytree(voice, folder)


def build(out, arches, python):
    """Build the archive; returns the manifest written into it."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "kupang"
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(stage)], check=True)
        subprocess.run(["git", "-C", str(stage), "remote", "remove", "origin"], check=True)
        extra = stage / ".bundle"
        manifest = {"revision": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                               text=True, check=True).stdout.strip(),
                    "python": python, "wheels": {}, "missing": {}}
        for arch in arches:
            print(f"wheel {arch} ...", flush=True)
            manifest["missing"][arch] = download_wheels(extra / "wheels" / arch, arch, python)
            manifest["wheels"][arch] = sorted(p.name for p in (extra / "wheels" / arch).iterdir())
        print("htmx ...", flush=True)
        manifest["npm"] = npm_tarball(extra / "npm")
        voice_clips(extra / "voice")
        (extra / "MANIFEST.json").write_text(json.dumps(manifest, indent=1))
        with tarfile.open(out, "w:gz") as tar:
            tar.add(stage, arcname="kupang")
    return manifest


def main():
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "kupang-bundle.tar.gz"))
    parser.add_argument("--arch", action="append", choices=ARCHES)
    parser.add_argument("--python", default=f"{sys.version_info.major}.{sys.version_info.minor}")
    args = parser.parse_args()
    manifest = build(args.out, args.arch or list(ARCHES), args.python)
    for arch, missing in manifest["missing"].items():
        print(f"{arch}: {len(manifest['wheels'][arch])} wheel" + (f"; tanpa wheel: {', '.join(missing)}"
                                                                   if missing else ""))
    print(f"Bundle: {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
