#!/usr/bin/env bash
# Install Debian's PostgreSQL server for the test suite (team mode, mailbox leases).
# Idempotent; the system cluster is never started (the tests run their own on loopback).
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
[[ -x "$BIN/initdb" && -x "$BIN/pg_ctl" ]] && { echo "postgresql already installed"; exit 0; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
POLICY=/usr/sbin/policy-rc.d
backup=""
if [[ -e "$POLICY" ]]; then backup=$(mktemp); as_root cp -p "$POLICY" "$backup"; fi
printf '#!/bin/sh\nexit 101\n' | as_root tee "$POLICY" >/dev/null
as_root chmod 0755 "$POLICY"
trap 'if [[ -n "$backup" ]]; then as_root mv "$backup" "$POLICY"; else as_root rm -f "$POLICY"; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
echo "postgresql installed"
