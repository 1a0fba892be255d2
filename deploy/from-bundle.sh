#!/usr/bin/env bash
# Install kupang's dependencies from an offline bundle (make bundle), with no network:
#   make run BUNDLE=kupang-bundle.tar.gz        (or: deploy/from-bundle.sh kupang-bundle.tar.gz)
# Run inside the checkout (the bundle's own kupang/ folder, or an existing one).
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE="${1:?Pakai: deploy/from-bundle.sh kupang-bundle.tar.gz}"
PYTHON="${PYTHON:-python3}"
ARCH="$(uname -m)"
if [ -f "$BUNDLE" ]; then
  if [ ! -d .bundle ] || [ "$BUNDLE" -nt .bundle/MANIFEST.json ]; then
    rm -rf .bundle
    tar -xzf "$BUNDLE" --strip-components=1 kupang/.bundle
  fi
elif [ -d "$BUNDLE/wheels" ] && [ "$(cd "$BUNDLE" && pwd)" != "$(pwd)/.bundle" ]; then
  rm -rf .bundle && cp -r "$BUNDLE" .bundle
fi
[ -d ".bundle/wheels/$ARCH" ] || { echo "Bundle tidak memuat wheel untuk $ARCH." >&2; exit 1; }
test -x .venv/bin/python || "$PYTHON" -m venv .venv
.venv/bin/pip install --disable-pip-version-check -q --no-index --find-links ".bundle/wheels/$ARCH" -r requirements.txt
touch .venv/.installed
# htmx from its npm tarball, checked against the lockfile's integrity hash, unpacked where npm would put it.
tarball="$(ls .bundle/npm/htmx.org-*.tgz | head -n 1)"
expected="$(.venv/bin/python -c 'import json; print(json.load(open("package-lock.json"))["packages"]["node_modules/htmx.org"]["integrity"])')"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$expected" = "$actual" ] || { echo "htmx di bundle tidak cocok dengan package-lock.json." >&2; exit 1; }
rm -rf node_modules/htmx.org && mkdir -p node_modules/htmx.org
tar -xzf "$tarball" -C node_modules/htmx.org --strip-components=1
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
# The voice clips as rendered when the bundle was made (espeak-ng is not needed).
mkdir -p static/voice
cp .bundle/voice/* static/voice/
echo "Terpasang dari bundle tanpa jaringan ($ARCH)."
