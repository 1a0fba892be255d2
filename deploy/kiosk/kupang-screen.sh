#!/usr/bin/env bash
# Kiosk or display screen for kupang: Chromium full screen, screen blanking off, restarted when it crashes,
# and the one-time pairing link opened once (the device cookie then keeps it paired).
#
#   kupang-screen.sh pair kiosk http://server:8000/perangkat/pasang?kode=ABCDE-FGHJK   # once, at set-up
#   kupang-screen.sh run kiosk|display http://server:8000                              # every start
#
# Settings (environment): KUPANG_SCREEN_HOME (default ~/.config/kupang-screen), CHROMIUM (browser
# binary), KUPANG_SCREEN_EXTRA_ARGS (more flags), KUPANG_SCREEN_MAX_RUNS (stop after N starts; 0 = never).
set -uo pipefail

HOME_DIR="${KUPANG_SCREEN_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/kupang-screen}"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo chromium)}"
MAX_RUNS="${KUPANG_SCREEN_MAX_RUNS:-0}"

usage() { echo "Pakai: $0 pair kiosk|display TAUTAN  atau  $0 run kiosk|display http://server:8000" >&2; exit 2; }
[ $# -ge 3 ] || usage
action="$1"; kind="$2"; url="$3"
case "$kind" in kiosk|display) ;; *) usage ;; esac
mkdir -p "$HOME_DIR"
chmod 0700 "$HOME_DIR"

if [ "$action" = "pair" ]; then
  printf '%s\n' "$url" > "$HOME_DIR/$kind.pair-url"
  echo "Tautan pemasangan disimpan; dibuka sekali pada start berikutnya."
  exit 0
fi
[ "$action" = "run" ] || usage

base="${url%/}"
if [ "$kind" = "kiosk" ]; then home="$base/kiosk"; else home="$base/layar"; fi
flags=(--kiosk --noerrdialogs --disable-infobars --no-first-run --disable-session-crashed-bubble
       --disable-features=Translate,TranslateUI --disable-pinch --overscroll-history-navigation=0
       --check-for-update-interval=31536000 --password-store=basic --disable-sync
       --user-data-dir="$HOME_DIR/profile-$kind")
if [ "$kind" = "kiosk" ]; then
  flags+=(--kiosk-printing)            # tickets print silently to the default (thermal) printer
else
  flags+=(--autoplay-policy=no-user-gesture-required)   # announcements play without a tap
fi
# shellcheck disable=SC2206 # extra flags are split on purpose
extra=(${KUPANG_SCREEN_EXTRA_ARGS:-})

screen_always_on() {
  if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null; then
    xset s off; xset s noblank; xset -dpms
  fi
}

runs=0
while :; do
  screen_always_on 2>/dev/null || true
  target="$home"
  if [ -f "$HOME_DIR/$kind.pair-url" ]; then
    target="$(cat "$HOME_DIR/$kind.pair-url")"
    rm -f "$HOME_DIR/$kind.pair-url"     # once: the device cookie keeps the pairing from now on
  fi
  # A crash leaves Chromium's "restore pages?" state behind: mark the profile as cleanly closed.
  prefs="$HOME_DIR/profile-$kind/Default/Preferences"
  [ -f "$prefs" ] && sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
  echo "$(date -Is) membuka $target" >> "$HOME_DIR/$kind.log"
  "$CHROMIUM" "${flags[@]}" "${extra[@]}" "$target"
  status=$?
  echo "$(date -Is) browser berhenti (kode $status); dibuka lagi dalam 3 detik" >> "$HOME_DIR/$kind.log"
  runs=$((runs + 1))
  if [ "$MAX_RUNS" -gt 0 ] && [ "$runs" -ge "$MAX_RUNS" ]; then exit 0; fi
  sleep "${KUPANG_SCREEN_RESTART_SECONDS:-3}"
done
