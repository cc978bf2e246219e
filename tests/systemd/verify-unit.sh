#!/usr/bin/env bash
# Checks deploy/systemd/piherd.service offline: `systemd-analyze verify` (syntax, every
# directive known, the ExecStart binary executable), and `systemd-analyze security` (its
# exposure score stays at most 2.0, "OK"; --threshold counts tenths). verify needs the binary the unit names to exist;
# the unit is checked as a copy naming the just-built piherd instead of /usr/bin/piherd.
#   verify-unit.sh UNIT PIHERD_BINARY
set -euo pipefail
unit=$1 binary=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/bin/piherd #$binary #" "$unit" >"$tmp/piherd.service"
grep -q "^ExecStart=$binary run " "$tmp/piherd.service"
# Errors and warnings about the unit go to stderr; an unknown directive is only a warning,
# so any output about piherd.service fails the check.
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$tmp/piherd.service" 2>&1) || { echo "$out"; exit 1; }
if grep -i "piherd.service" <<<"$out"; then exit 1; fi
systemd-analyze security --offline=yes --threshold=20 "$unit" | tail -n 1
