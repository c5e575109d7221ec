#!/usr/bin/env bash
# systemd-analyze verify on deploy/systemd/posecast.service, which must pass without a word; and
# the check catches a planted mistake. The unit runs the build's binary here (verify checks that
# ExecStart's file is executable); the man page of Documentation= is not looked up.
#
#   tests/deploy/unit_verify_test.sh POSECAST_BINARY    (exit 77: skipped)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
binary=${1:?usage: $0 POSECAST_BINARY}
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

verify() {  # UNIT_TEXT -> systemd-analyze's output; fails when it fails
  printf '%s\n' "$1" >"$tmp/posecast.service"
  systemd-analyze verify --man=no "$tmp/posecast.service" 2>&1
}

unit=$(sed "s|/usr/bin/posecast|$binary|" "$repo/deploy/systemd/posecast.service")
if ! out=$(verify "$unit") || [[ -n $out ]]; then
  echo "FAIL: systemd-analyze verify deploy/systemd/posecast.service:"
  echo "$out"
  exit 1
fi
echo "ok: systemd-analyze verify passes without a warning"

planted=$(sed 's/^ProtectHome=yes/ProtectHome=yes\nProtectHme=yes/' <<<"$unit")
if out=$(verify "$planted") && [[ -z $out ]]; then
  echo "FAIL: a planted unknown key went unnoticed"
  exit 1
fi
echo "ok: a planted unknown key is reported: $out"
