#!/usr/bin/env bash
# Install kupang as a system service: a `kupang` account, the systemd units (app, daily backup timer, city feed),
# /etc/kupang/kupang.env, instance/ owned by kupang with mode 0700 (files 0600), then enable and start.
#
#   sudo make install-service                        # on the office machine
#   deploy/install-service.sh --root /tmp/scratch    # into a scratch root (tests): nothing is started
set -euo pipefail

APP_DIR="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
USER_NAME="kupang"
START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2%/}"; START=0; shift 2 ;;
    --app-dir) APP_DIR="$2"; shift 2 ;;
    --user) USER_NAME="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    *) echo "Pilihan tidak dikenal: $1" >&2; exit 2 ;;
  esac
done
fail() { echo "Galat: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "jalankan sebagai root: sudo make install-service"
[ -x "$APP_DIR/.venv/bin/gunicorn" ] || fail "$APP_DIR/.venv belum ada: jalankan make setup (atau make run) dulu"

INSTANCE_DIR="${KUPANG_INSTANCE_PATH:-$APP_DIR/instance}"
ENV_FILE="/etc/kupang/kupang.env"
UNIT_DIR="$ROOT/etc/systemd/system"

# 1. the service account (no login, no password)
mkdir -p "$ROOT/etc"
if ! grep -q "^$USER_NAME:" "$ROOT/etc/passwd" 2>/dev/null; then
  if [ -n "$ROOT" ]; then
    useradd --root "$ROOT" --system --user-group --home-dir "$INSTANCE_DIR" --no-create-home \
      --shell /usr/sbin/nologin "$USER_NAME"
  else
    useradd --system --user-group --home-dir "$INSTANCE_DIR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
  fi
  echo "Akun layanan $USER_NAME dibuat."
fi
uid="$(awk -F: -v u="$USER_NAME" '$1 == u {print $3}' "$ROOT/etc/passwd")"
gid="$(awk -F: -v u="$USER_NAME" '$1 == u {print $4}' "$ROOT/etc/passwd")"

# 2. instance/: personal data, the service account only (folders 0700, files 0600)
install -d -m 0700 "$ROOT$INSTANCE_DIR"
chown -R "$uid:$gid" "$ROOT$INSTANCE_DIR"
find "$ROOT$INSTANCE_DIR" -type d -exec chmod 0700 {} +
find "$ROOT$INSTANCE_DIR" -type f -exec chmod 0600 {} +

# 3. settings, kept when they exist
if [ ! -f "$ROOT$ENV_FILE" ]; then
  install -d -m 0755 "$ROOT/etc/kupang"
  install -m 0640 -o 0 -g "$gid" "$APP_DIR/deploy/kupang.env.example" "$ROOT$ENV_FILE"
  echo "Pengaturan awal ditulis ke $ENV_FILE (ubah bila perlu)."
fi

# 4. the units, with this machine's paths
install -d -m 0755 "$UNIT_DIR"
for unit in kupang.service kupang-backup.service kupang-backup.timer kupang-snapshot.service kupang-snapshot.timer \
    kupang-feed.service; do
  sed -e "s|@APP_DIR@|$APP_DIR|g" -e "s|@INSTANCE_DIR@|$INSTANCE_DIR|g" -e "s|@ENV_FILE@|$ENV_FILE|g" \
      -e "s|@USER@|$USER_NAME|g" "$APP_DIR/deploy/systemd/$unit" > "$UNIT_DIR/$unit"
  chmod 0644 "$UNIT_DIR/$unit"
done
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$UNIT_DIR/kupang.service" "$UNIT_DIR/kupang-backup.service" "$UNIT_DIR/kupang-backup.timer" \
    "$UNIT_DIR/kupang-snapshot.service" "$UNIT_DIR/kupang-snapshot.timer" "$UNIT_DIR/kupang-feed.service"
fi

# 5. enable (and start, on a running system)
if [ -n "$ROOT" ]; then
  systemctl --root="$ROOT" enable kupang.service kupang-backup.timer kupang-snapshot.timer kupang-feed.service
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$START" -eq 1 ]; then
    systemctl enable --now kupang.service kupang-backup.timer kupang-snapshot.timer kupang-feed.service
  else
    systemctl enable kupang.service kupang-backup.timer kupang-snapshot.timer kupang-feed.service
  fi
else
  echo "systemd tidak berjalan di sini: layanan dipasang tetapi tidak dinyalakan."
fi
echo "Selesai. Layanan: kupang.service (mulai sendiri setelah listrik padam), cadangan: kupang-backup.timer, kelengkapan NIK harian: kupang-snapshot.timer, kiriman ke server kota: kupang-feed.service."
