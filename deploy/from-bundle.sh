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
# htmx from its npm tarball: into a private npm cache, then npm ci without the network.
npm cache add ".bundle/npm/"*.tgz --cache .bundle/npm-cache >/dev/null
npm ci --offline --cache .bundle/npm-cache --no-audit --no-fund --ignore-scripts --silent
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
# The voice clips as rendered when the bundle was made (espeak-ng is not needed).
mkdir -p static/voice
cp .bundle/voice/* static/voice/
echo "Terpasang dari bundle tanpa jaringan ($ARCH)."
