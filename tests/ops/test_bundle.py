"""make bundle, then an install from it with the package registries unreachable (a network namespace with
no network at all): pip --no-index, npm --offline, the voice clips from the bundle; the app then runs."""
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from tests.concurrency import ROOT


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A bundle of HEAD with x86_64 wheels (the machine's own; aarch64 is built the same way by make bundle)."""
    out = tmp_path_factory.mktemp("bundle") / "kupang-bundle.tar.gz"
    done = subprocess.run([sys.executable, str(ROOT / "deploy" / "bundle.py"), "--out", str(out), "--arch",
                           os.uname().machine], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def offline(argv, cwd, env=None):
    """Run a command in a new network namespace (no interface but a downed loopback)."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to cut the network")
    return subprocess.run(["unshare", "--net", "--", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_install_from_the_bundle_without_network(bundle, tmp_path):
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path, filter="data")
    assert "kupang/.bundle/MANIFEST.json" in names and "kupang/.git/HEAD" in names
    assert any(n.startswith("kupang/.bundle/npm/htmx.org-") for n in names)
    assert "kupang/.bundle/voice/manifest.json" in names
    checkout = tmp_path / "kupang"
    probe = offline([sys.executable, "-c", "import urllib.request; urllib.request.urlopen('https://pypi.org', "
                     "timeout=5)"], checkout)
    assert probe.returncode != 0  # the registries really are unreachable in here
    env = {**os.environ, "PYTHON": os.path.join(sys.base_prefix, "bin", "python3"),
           "PIP_INDEX_URL": "https://pypi.org/simple", "npm_config_registry": "https://registry.npmjs.org/"}
    env.pop("VIRTUAL_ENV", None)
    done = offline(["bash", "deploy/from-bundle.sh", str(bundle)], checkout, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (checkout / "static/vendor/htmx.min.js").stat().st_size > 30000
    assert (checkout / "static/voice/manifest.json").exists()
    check = offline([".venv/bin/python", "-c", "import flask, pyrage, psycopg, argon2, kupang; print('ok')"],
                    checkout, env)
    assert check.stdout.strip() == "ok", check.stderr
    instance = tmp_path / "instance"
    app_env = {**env, "KUPANG_INSTANCE_PATH": str(instance), "KUPANG_SECRET_KEY": "bundle-test"}
    init = offline([".venv/bin/flask", "--app", "app", "init-db"], checkout, app_env)
    assert init.returncode == 0 and "Basis data siap" in init.stdout, init.stderr
    uptodate = offline(["make", "-q", "setup"], checkout, env)
    assert uptodate.returncode == 0, "make setup would still fetch something: " + uptodate.stdout
