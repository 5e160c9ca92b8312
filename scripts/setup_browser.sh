#!/usr/bin/env bash
# Installs the headless browser of the demo's browser test (tests/demo/test_demo_browser.py):
# Debian's chromium and chromium-driver packages, only when /usr/bin/chromium or
# /usr/bin/chromedriver is missing. Installing needs root and apt-get; where that is not
# possible, this says so loudly and exits 0, and the browser test is skipped, saying why
# (except under CI=true, where it fails: CI machines can install it).
set -uo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

warn() {
    echo "setup-browser: WARNING: $*" >&2
    echo "setup-browser: WARNING: the demo's browser test will be SKIPPED" \
        "(install chromium and chromium-driver to run it)." >&2
    exit 0
}

command -v apt-get >/dev/null 2>&1 || warn "no apt-get here: cannot install Chromium."
[ "$(id -u)" = 0 ] || warn "not root: cannot apt-get install chromium chromium-driver."

echo "setup-browser: installing chromium and chromium-driver (Debian packages)"
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; } >"$log" 2>&1; then
    tail -20 "$log" >&2
    warn "apt-get install chromium chromium-driver failed (see above)."
fi
version=$(/usr/bin/chromium --version 2>/dev/null)
echo "setup-browser: $version installed in $(( $(date +%s) - start )) s"
