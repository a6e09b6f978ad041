#!/usr/bin/env bash
# Install the Debian packages the test suite runs for real, in one apt transaction:
#   Postfix + Dovecot with Pigeonhole Sieve (the mail stack), s-nail (a real mail client
#   the tests reply with), NSD (the test DNS server), PostgreSQL 15 (team mode),
#   Node.js + npm (the OAuth/OIDC test server),
# then the node packages of that server (oidc-provider, pinned by package-lock.json) into
# tests/fixtures/oidc/node_modules with `npm ci`.
#
# Idempotent: exits at once when every binary is there. The packages are installed
# without configuring or starting their system-wide services: Postfix is preseeded to
# "No configuration" and a temporary policy-rc.d (exit 101) keeps Dovecot, NSD and
# PostgreSQL from starting on their public ports. The tests run private, loopback-only
# instances (scripts/mailstack.sh, scripts/dnsserver.sh, tests/fixtures/postgres.py).
set -euo pipefail

PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve s-nail openssl nsd postgresql-15 nodejs npm)
BINARIES=(/usr/sbin/postfix /usr/sbin/postconf /usr/sbin/dovecot /usr/bin/doveadm
          /usr/bin/openssl /usr/lib/dovecot/imap /usr/lib/dovecot/lmtp
          /usr/bin/sievec /usr/bin/s-nail
          /usr/sbin/nsd /usr/sbin/nsd-checkzone
          /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pg_ctl
          /usr/bin/node /usr/bin/npm)
OIDC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/oidc"

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

# The OIDC test server's node packages, exactly as package-lock.json pins them.
install_node_packages() {
    if [[ -d "$OIDC_DIR/node_modules/oidc-provider" ]] \
        && [[ "$OIDC_DIR/node_modules/.package-lock.json" -nt "$OIDC_DIR/package-lock.json" ]]; then
        echo "test deps: node packages already installed"
        return 0
    fi
    (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "test deps: installed the node packages in $OIDC_DIR"
}

main() {
    if all_installed; then
        echo "test deps: already installed"
        install_node_packages
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
        "postfix postfix/mailname string localhost" | as_root debconf-set-selections
    block_service_starts
    trap restore_service_starts EXIT
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
    all_installed || { echo "test deps: install finished but binaries missing" >&2; exit 1; }
    echo "test deps: installed ${PACKAGES[*]}"
    install_node_packages
}

main "$@"
