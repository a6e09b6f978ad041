#!/usr/bin/env bash
# Install the Debian package the test DNS server needs: NSD, an authoritative-only server.
#
# Idempotent: exits at once when nsd is already there. A temporary policy-rc.d (exit 101)
# keeps the package from starting the system-wide service on port 53;
# scripts/dnsserver.sh runs a private instance on a loopback high port instead.
set -euo pipefail

PACKAGES=(nsd)
BINARIES=(/usr/sbin/nsd /usr/sbin/nsd-checkzone)

all_installed() {
    local bin
    for bin in "${BINARIES[@]}"; do
        [[ -x "$bin" ]] || return 1
    done
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
block_service_starts() {
    if [[ -e "$POLICY" ]]; then
        POLICY_BACKUP=$(mktemp)
        as_root cp -p "$POLICY" "$POLICY_BACKUP"
    fi
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$POLICY" >/dev/null
    as_root chmod 0755 "$POLICY"
}

restore_service_starts() {
    if [[ -n "$POLICY_BACKUP" ]]; then
        as_root mv "$POLICY_BACKUP" "$POLICY"
    else
        as_root rm -f "$POLICY"
    fi
}

main() {
    if all_installed; then
        echo "dns deps: already installed"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    block_service_starts
    trap restore_service_starts EXIT
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
    all_installed || { echo "dns deps: install finished but binaries missing" >&2; exit 1; }
    echo "dns deps: installed ${PACKAGES[*]}"
}

main "$@"
