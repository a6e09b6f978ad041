#!/usr/bin/env bash
# Install the Debian packages the test suite runs for real, in one apt transaction:
#   Postfix + Dovecot with Pigeonhole Sieve (the mail stack), s-nail (a real mail client
#   the tests reply with), NSD (the test DNS server), PostgreSQL 15 (team mode),
#   Node.js + npm (the OAuth/OIDC test server), Cyrus IMAP (the second IMAP server,
#   tests/fixtures/cyrus.py),
# then the node packages of that server (oidc-provider, pinned by package-lock.json) into
# tests/fixtures/oidc/node_modules with `npm ci`.
#
# Cyrus: apt refuses cyrus-imapd beside dovecot-imapd (both provide imap-server), so we
# install cyrus-common (master, lmtpd, the libraries) and sasl2-bin (saslpasswd2) with apt,
# then download the cyrus-imapd .deb of the same version and unpack only its files
# (imapd, idled) into $CYRUS_IMAPD_DIR, without registering it with dpkg.
#
# Idempotent: exits at once when every binary is there. The packages are installed
# without configuring or starting their system-wide services: Postfix is preseeded to
# "No configuration" and a temporary policy-rc.d (exit 101) keeps Dovecot, NSD and
# PostgreSQL from starting on their public ports. The tests run private, loopback-only
# instances (scripts/mailstack.sh, scripts/dnsserver.sh, tests/fixtures/postgres.py).
set -euo pipefail

PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve s-nail openssl nsd
          postgresql-15 nodejs npm cyrus-common sasl2-bin)
CYRUS_IMAPD_DIR=/opt/cyrus-imapd # the unpacked cyrus-imapd .deb (tests/fixtures/cyrus.py)
BINARIES=(/usr/sbin/postfix /usr/sbin/postconf /usr/sbin/dovecot /usr/bin/doveadm
          /usr/bin/openssl /usr/lib/dovecot/imap /usr/lib/dovecot/lmtp
          /usr/bin/sievec /usr/bin/s-nail
          /usr/sbin/nsd /usr/sbin/nsd-checkzone
          /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pg_ctl
          /usr/bin/node /usr/bin/npm
          /usr/lib/cyrus/bin/master /usr/lib/cyrus/bin/lmtpd /usr/sbin/saslpasswd2
          "$CYRUS_IMAPD_DIR/usr/lib/cyrus/bin/imapd" "$CYRUS_IMAPD_DIR/usr/lib/cyrus/bin/idled")
OIDC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/oidc"

all_installed() {
    local bin
    for bin in "${BINARIES[@]}"; do
        [[ -x "$bin" ]] || return 1
    done
    cyrus_imapd_current
}

# imapd links against cyrus-common's private libraries: the unpacked .deb must be the
# same version (an upgraded cyrus-common makes the next run unpack again).
cyrus_common_version() { dpkg-query -W -f='${Version}' cyrus-common 2>/dev/null; }

cyrus_imapd_current() {
    local want
    want=$(cyrus_common_version) || return 1
    [[ -n "$want" && -f "$CYRUS_IMAPD_DIR/VERSION" && "$(<"$CYRUS_IMAPD_DIR/VERSION")" == "$want" ]]
}

unpack_cyrus_imapd() {
    cyrus_imapd_current && return 0
    local version work deb
    version=$(cyrus_common_version)
    work=$(mktemp -d)
    # apt downloads as the _apt user when it can write there (no "unsandboxed" warning).
    if id _apt >/dev/null 2>&1; then as_root chown _apt "$work"; fi
    (cd "$work" && as_root apt-get download -qq "cyrus-imapd=$version")
    deb=$(find "$work" -maxdepth 1 -name 'cyrus-imapd_*.deb' -print -quit)
    [[ -n "$deb" ]] || { echo "test deps: cyrus-imapd $version not downloaded" >&2; exit 1; }
    as_root rm -rf "$CYRUS_IMAPD_DIR"
    as_root mkdir -p "$CYRUS_IMAPD_DIR"
    as_root dpkg-deb -x "$deb" "$CYRUS_IMAPD_DIR"
    echo "$version" | as_root tee "$CYRUS_IMAPD_DIR/VERSION" >/dev/null
    as_root rm -rf "$work"
    echo "test deps: unpacked cyrus-imapd $version into $CYRUS_IMAPD_DIR"
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
    unpack_cyrus_imapd
    all_installed || { echo "test deps: install finished but binaries missing" >&2; exit 1; }
    echo "test deps: installed ${PACKAGES[*]}"
    install_node_packages
}

main "$@"
