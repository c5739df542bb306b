#!/usr/bin/env bash
# The browser tests drive Debian's Chromium at /usr/bin/chromium through Playwright (whose own
# browser downloads are not used). Install it when it is missing and apt-get can; otherwise say
# why, and the browser tests skip themselves.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install Chromium at /usr/bin/chromium to run the browser tests (they are skipped)." >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "ensure-chromium: not root and no sudo; run 'apt-get install chromium' as root to run the browser tests (they are skipped)." >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; }; then
    echo "ensure-chromium: apt-get could not install chromium; the browser tests are skipped." >&2
fi
