#!/usr/bin/env bash
# Install the Debian packages the test mail stack needs (Postfix + Dovecot + OpenSSL).
#
# Idempotent: exits at once when every binary is already there. The packages are
# installed without letting them configure or start the system-wide services:
# Postfix is preseeded to "No configuration" and a temporary policy-rc.d (exit 101)
# keeps Dovecot from starting on 0.0.0.0:143. scripts/mailstack.sh runs private,
# loopback-only instances instead.
set -euo pipefail

PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-lmtpd openssl)
BINARIES=(/usr/sbin/postfix /usr/sbin/postconf /usr/sbin/dovecot /usr/bin/doveadm /usr/bin/openssl
          /usr/lib/dovecot/imap /usr/lib/dovecot/lmtp)

all_installed() {
    local bin
    for bin in "${BINARIES[@]}"; do
        [[ -x "$bin" ]] || return 1
    done
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Keep services from starting during the install; restore whatever was there before.
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
        echo "mailstack deps: already installed"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
        "postfix postfix/mailname string localhost" | as_root debconf-set-selections
    block_service_starts
    trap restore_service_starts EXIT
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
    all_installed || { echo "mailstack deps: install finished but binaries missing" >&2; exit 1; }
    echo "mailstack deps: installed ${PACKAGES[*]}"
}

main "$@"
