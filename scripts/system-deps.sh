#!/usr/bin/env bash
# Install the Debian packages the test suite needs, if they are missing: a PostgreSQL server (the store
# tests start their own on loopback) and Chromium (the browser tests drive it with Playwright; never
# `playwright install`). Needs root or sudo.
set -euo pipefail

PACKAGES=(postgresql chromium)

need=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts a cluster on install; the tests start their own, so stop the system one.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
    $SUDO pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  done
fi
