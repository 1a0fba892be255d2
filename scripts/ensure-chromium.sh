#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it (and espeak-ng for the queue voice, and LibreOffice Calc
# without a GUI, which writes the .xls/.ods files of the import tests, and librsvg's rsvg-convert, which turns
# an SVG letterhead logo into PNG) when missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Memasang ${need[*]} dari Debian ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Perlu paket Debian: ${need[*]}. Jalankan: sudo apt-get install ${need[*]}" >&2
  echo "(Tes browser akan dilewati sampai Chromium terpasang.)" >&2
fi
