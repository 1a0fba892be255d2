#!/usr/bin/env bash
# On the kiosk or display PC, as the desktop user that logs in automatically:
#   deploy/kiosk/install-screen.sh kiosk http://192.168.1.10:8000 'http://192.168.1.10:8000/perangkat/pasang?kode=...'
# installs the launcher, starts it with the desktop session (systemd user unit, else XDG autostart),
# and remembers the one-time pairing link (opened once at the next start).
set -euo pipefail
[ $# -ge 2 ] || { echo "Pakai: $0 kiosk|display http://server:8000 [TAUTAN-PEMASANGAN]" >&2; exit 2; }
kind="$1"; server="${2%/}"; pair="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${XDG_DATA_HOME:-$HOME/.local/share}/kupang-screen"
install -d "$bin"
install -m 0755 "$here/kupang-screen.sh" "$bin/kupang-screen.sh"
script="$bin/kupang-screen.sh"
if [ -n "$pair" ]; then "$script" pair "$kind" "$pair"; fi
if command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; then
  units="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
  install -d "$units"
  sed -e "s|@SCRIPT@|$script|g" -e "s|@SERVER@|$server|g" "$here/kupang-screen.service" > "$units/kupang-screen@.service"
  systemctl --user daemon-reload
  systemctl --user enable "kupang-screen@$kind.service"
  echo "Layar $kind dipasang (systemd --user); mulai saat desktop masuk, dibuka ulang bila mogok."
else
  auto="${XDG_CONFIG_HOME:-$HOME/.config}/autostart"
  install -d "$auto"
  sed -e "s|@SCRIPT@|$script|g" -e "s|@SERVER@|$server|g" -e "s|@KIND@|$kind|g" "$here/kupang-screen.desktop" \
    > "$auto/kupang-screen-$kind.desktop"
  echo "Layar $kind dipasang (autostart desktop); mulai saat desktop masuk, dibuka ulang bila mogok."
fi
echo "Matikan juga layar mati otomatis di pengaturan sistem (Raspberry Pi: sudo raspi-config nonint do_blanking 1)."
