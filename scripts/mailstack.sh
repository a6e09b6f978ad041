#!/usr/bin/env bash
# A throwaway Postfix + Dovecot mail stack on 127.0.0.1, for tests and demos.
#
# Everything (config, certificates, queue, mailboxes, logs, PID files) lives under DIR;
# no systemd, no syslog, nothing in /etc is changed. Needs root (Postfix's master and
# Dovecot drop privileges themselves) and the packages from install_test_deps.sh.
#
#   mailstack.sh up DIR                 start; print KEY=value port lines (also DIR/ports.env)
#   mailstack.sh down DIR               stop both daemons by their PID files
#   mailstack.sh add-user DIR ADDRESS PASSWORD [QUOTA_BYTES]
#                                       add (or replace) a mailbox user at runtime
#   mailstack.sh tempfail DIR ADDRESS on|reject|off
#                                       make RCPT TO:<ADDRESS> answer 451 (or stop doing so)
#   mailstack.sh expire DIR             expire every queued message now (final DSNs go out)
#   mailstack.sh sieve DIR ADDRESS FILE make FILE the user's active Sieve script ('-': none)
#   mailstack.sh flush DIR              retry every queued message now
#
# What it runs:
#   Postfix submission  STARTTLS + SASL AUTH (via Dovecot's auth socket)  MAILSTACK_SMTP_PORT
#   Postfix submissions implicit TLS + SASL AUTH                          MAILSTACK_SMTPS_PORT
#   Dovecot IMAP        STARTTLS                                          MAILSTACK_IMAP_PORT
#   Dovecot IMAPS       implicit TLS                                      MAILSTACK_IMAPS_PORT
#   Postfix SMTP        plain, no AUTH: mail the stack itself sends       MAILSTACK_RELAY_PORT
#                       (Pigeonhole Sieve vacation/reject answers)
# Postfix hands mail for sales.test, prospects.test and acme.test to Dovecot LMTP over a
# unix socket in DIR. Unknown recipients are accepted at RCPT time and refused by LMTP, so
# the sender gets a real Postfix DSN bounce; users with a quota get a 452 (tempfail) when
# full. Other domains are refused with an error DSN: nothing ever leaves the machine.
# LMTP runs Pigeonhole Sieve (when dovecot-sieve is installed): a user's script set with
# "sieve" can vacation-answer or reject; those answers go out through the relay port.
#
# Environment (all optional):
#   MAILSTACK_SMTP_PORT, MAILSTACK_SMTPS_PORT, MAILSTACK_IMAP_PORT, MAILSTACK_IMAPS_PORT,
#   MAILSTACK_RELAY_PORT
#       fixed ports instead of free ones picked at start
#   MAILSTACK_SENT_FOLDER, MAILSTACK_JUNK_FOLDER  names of the Sent and Junk folders
#       (default Sent, Junk; e.g. "Gesendete Objekte", "Junk-E-Mail" as Outlook names them)
#   MAILSTACK_SPECIAL_USE  "no": the folders carry no SPECIAL-USE flag (found by name only)
#   MAILSTACK_QUEUE_LIFETIME  how long a deferred message is retried before its final
#       "Action: failed" DSN (Postfix time, default 20s; 0 = bounce at the first 4xx)
#   MAILSTACK_OAUTH2_INTROSPECTION_URL  an OAuth 2.0 introspection endpoint (RFC 7662, with
#       the introspecting client's id:secret in the URL): Dovecot (IMAP, and Postfix
#       submission through its SASL socket) then also offers XOAUTH2 and OAUTHBEARER and
#       accepts a bearer token the server reports active for that user (oauth2 passdb)
#   MAILSTACK_DELAY_WARNING  after how long a deferred message earns its sender a delay
#       warning ("Action: delayed" DSN; Postfix delay_warning_time, default 0h = never)
#   MAILSTACK_REMOTE_PORT  mail for remote.test goes by SMTP to 127.0.0.1 on this port (a
#       test's own server there, or nothing listening: an unreachable next hop)
set -euo pipefail

DOMAINS="sales.test prospects.test acme.test"
MAIL_USER=mail # owner of every mailbox; Dovecot switches to it
HOST=127.0.0.1

die() { echo "mailstack: $*" >&2; exit 1; }

# ---------------------------------------------------------------- paths and checks

set_paths() {
    [[ -n "${1:-}" ]] || die "missing DIR argument"
    DIR=$(realpath -m -- "$1")
    PF="$DIR/postfix"
    DC="$DIR/dovecot"
    TLS="$DIR/tls"
    LOG="$DIR/log"
    MAIL="$DIR/mail"
    USERDB="$DC/db" # one JSON file per user and database, see write_dict_auth_conf
    PF_CONF="$PF/conf" # apart from the queue: "postfix check" wants it root-owned
    TEMPFAIL="$PF_CONF/tempfail"
    TRANSPORT="$PF_CONF/transport"
    PORTS_ENV="$DIR/ports.env"
    PF_PID="$PF/queue/pid/master.pid"
    DC_PID="$DC/run/master.pid"
}

require_tools() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (Postfix and Dovecot drop privileges themselves)"
    local bin
    for bin in /usr/sbin/postfix /usr/sbin/dovecot /usr/bin/doveadm /usr/bin/openssl; do
        [[ -x "$bin" ]] || die "$bin not found; run: bash scripts/install_test_deps.sh"
    done
}

# The mail user must reach DIR/mail and the postfix user the sockets: every ancestor o+x.
require_traversable() {
    setpriv --reuid="$MAIL_USER" --regid="$MAIL_USER" --clear-groups test -x "$DIR" \
        || die "$DIR is not reachable by user '$MAIL_USER'; use a directory whose parents" \
               "are all mode 0755 (e.g. mktemp -d under /tmp, then chmod 0755)"
}

pid_of() { tr -d ' \n' <"$1"; }

# Running and not a zombie (an exited master lingers until init reaps it).
process_running() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ "$state" != Z* ]]
}

pid_alive() { [[ -s "$1" ]] && process_running "$(pid_of "$1")"; }

# ---------------------------------------------------------------- ports

# Bind four sockets to port 0 at once, so the kernel hands out four distinct free ports.
pick_free_ports() {
    local python=/usr/bin/python3 # the system one starts 4x faster than a pyenv shim
    [[ -x "$python" ]] || python=python3
    "$python" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

choose_ports() {
    local free
    read -r -a free <<<"$(pick_free_ports)"
    SMTP_PORT=${MAILSTACK_SMTP_PORT:-${free[0]}}
    SMTPS_PORT=${MAILSTACK_SMTPS_PORT:-${free[1]}}
    IMAP_PORT=${MAILSTACK_IMAP_PORT:-${free[2]}}
    IMAPS_PORT=${MAILSTACK_IMAPS_PORT:-${free[3]}}
    RELAY_PORT=${MAILSTACK_RELAY_PORT:-${free[4]}}
}

write_ports_env() {
    cat >"$PORTS_ENV" <<EOF
MAILSTACK_HOST=$HOST
MAILSTACK_SMTP_PORT=$SMTP_PORT
MAILSTACK_SMTPS_PORT=$SMTPS_PORT
MAILSTACK_IMAP_PORT=$IMAP_PORT
MAILSTACK_IMAPS_PORT=$IMAPS_PORT
MAILSTACK_RELAY_PORT=$RELAY_PORT
MAILSTACK_CA_FILE=$TLS/ca.pem
MAILSTACK_DIR=$DIR
EOF
}

# ---------------------------------------------------------------- TLS

# A throwaway CA plus a leaf for 127.0.0.1/localhost, so clients verify a normal chain.
make_certs() {
    mkdir -p "$TLS"
    local days=30
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days "$days" -subj "/CN=mailstack test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$TLS/key.pem" -out "$TLS/leaf.csr" -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" >"$TLS/leaf.ext"
    openssl x509 -req -in "$TLS/leaf.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
        -CAcreateserial -out "$TLS/cert.pem" -days "$days" -extfile "$TLS/leaf.ext" 2>/dev/null
    chmod 0644 "$TLS/cert.pem" "$TLS/ca.pem"
    chmod 0600 "$TLS/key.pem" "$TLS/ca.key"
}

# ---------------------------------------------------------------- Dovecot config

write_dovecot_conf() {
    local dh=""
    [[ -f /usr/share/dovecot/dh.pem ]] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
    cat >"$DC/dovecot.conf" <<EOF
# Generated by scripts/mailstack.sh: a private Dovecot instance on $HOST only.
instance_name = mailstack-$(basename "$DIR")
base_dir = $DC/run
state_dir = $DC/state
listen = $HOST
protocols = imap lmtp
hostname = mailstack.test
postmaster_address = postmaster@sales.test
log_path = $LOG/dovecot.log
info_log_path = $LOG/dovecot.log
auth_verbose = yes
# Tests check wrong passwords: answer them on the next failure flush (every 0.5 s)
# rather than after the default 2 s.
auth_failure_delay = 0
# Subaddresses as many Dovecot setups have them: user+Folder@domain is delivered into
# that folder (outreach's "plus" Sent-copy mode relies on it).
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes

ssl = yes
ssl_cert = <$TLS/cert.pem
ssl_key = <$TLS/key.pem
$dh
disable_plaintext_auth = yes
auth_mechanisms = plain login${OAUTH2_URL:+ xoauth2 oauthbearer}

first_valid_uid = $(id -u "$MAIL_USER")
last_valid_uid = $(id -u "$MAIL_USER")
mail_location = maildir:~/Maildir

passdb {
  driver = dict
  args = $DC/dict-auth.conf.ext
  mechanisms = plain login
}
$(oauth2_passdb)
userdb {
  driver = dict
  args = $DC/dict-auth.conf.ext
  default_fields = uid=$MAIL_USER gid=$MAIL_USER home=$MAIL/%Ld/%Ln
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox "${MAILSTACK_SENT_FOLDER:-Sent}" {
    $(special_use '\Sent')
    auto = subscribe
  }
  mailbox "${MAILSTACK_JUNK_FOLDER:-Junk}" {
    $(special_use '\Junk')
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}

mail_plugins = quota
plugin {
  quota = maildir:User quota
$(sieve_plugin_settings)
}
$(sieve_lmtp_settings)
# A full mailbox answers 452 (Postfix defers and retries) instead of 552. Must be at top
# level: inside plugin {} it is silently ignored.
quota_full_tempfail = yes
lmtp_rcpt_check_quota = yes

service imap-login {
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  unix_listener $DC/lmtp {
    mode = 0666
  }
}
service auth {
  unix_listener $DC/auth-client {
    mode = 0666
  }
}
# No growing per-IP penalty after failed logins: every test client is 127.0.0.1.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}

# A folder's SPECIAL-USE line, unless MAILSTACK_SPECIAL_USE=no.
special_use() {
    [[ "${MAILSTACK_SPECIAL_USE:-yes}" == "no" ]] || printf 'special_use = %s' "$1"
}

# Pigeonhole Sieve in LMTP when installed: each user's ~/.dovecot.sieve (see cmd_sieve).
# Answers (vacation, reject MDNs) are submitted to Postfix's plain relay port.
SIEVE_PLUGIN=/usr/lib/dovecot/modules/lib90_sieve_plugin.so
sieve_plugin_settings() {
    [[ -f "$SIEVE_PLUGIN" ]] || return 0
    printf '  sieve = file:~/sieve;active=~/.dovecot.sieve\n'
    printf '  sieve_vacation_min_period = 0\n'
    printf '  sieve_vacation_default_period = 1s\n'
}
sieve_lmtp_settings() {
    [[ -f "$SIEVE_PLUGIN" ]] || return 0
    printf 'submission_host = %s:%s\n' "$HOST" "$RELAY_PORT"
    printf 'protocol lmtp {\n  mail_plugins = $mail_plugins sieve\n}\n'
}

OAUTH2_URL=${MAILSTACK_OAUTH2_INTROSPECTION_URL:-}

# Bearer tokens (XOAUTH2, OAUTHBEARER) checked live against the authorization server on
# every login: no cache, so a revoked or expired token is refused at once.
oauth2_passdb() {
    [[ -n "$OAUTH2_URL" ]] || return 0
    cat >"$DC/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = $OAUTH2_URL
force_introspection = yes
username_attribute = sub
active_attribute = active
active_value = true
timeout_msecs = 10000
EOF
    chmod 0600 "$DC/oauth2.conf.ext"
    cat <<EOF
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DC/oauth2.conf.ext
}
EOF
}

# Users live in files read on every lookup (dict fs), so one added at runtime can log in
# at once; a passwd-file is re-read at most once a second. A missing file means
# "unknown user", which LMTP answers with 550 (and Postfix turns into a DSN).
write_dict_auth_conf() {
    cat >"$DC/dict-auth.conf.ext" <<EOF
uri = fs:posix:prefix=$USERDB/
default_pass_scheme = PLAIN
iterate_disable = yes
key passdb {
  key = passdb/%Lu
  format = json
}
key userdb {
  key = userdb/%Lu
  format = json
}
passdb_objects = passdb
userdb_objects = userdb
EOF
}

# ---------------------------------------------------------------- Postfix config

write_postfix_main_cf() {
    local lifetime=${MAILSTACK_QUEUE_LIFETIME:-20s}
    local warning=${MAILSTACK_DELAY_WARNING:-0h}
    if [[ -n "${MAILSTACK_REMOTE_PORT:-}" ]]; then
        [[ "$MAILSTACK_REMOTE_PORT" =~ ^[0-9]+$ ]] || die "MAILSTACK_REMOTE_PORT must be a port number"
        printf 'remote.test smtp:[%s]:%s\n' "$HOST" "$MAILSTACK_REMOTE_PORT" >"$TRANSPORT"
    else
        : >"$TRANSPORT"
    fi
    chmod 0644 "$TRANSPORT"
    cat >"$PF_CONF/main.cf" <<EOF
# Generated by scripts/mailstack.sh: a private Postfix instance on $HOST only.
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $LOG/postfix.log
maillog_file_prefixes = $LOG
myhostname = mailstack.test
mydomain = mailstack.test
myorigin = \$myhostname
mydestination =
inet_interfaces = $HOST
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no

# Every test domain goes to Dovecot LMTP; anything else fails at once, never leaves.
virtual_mailbox_domains = $DOMAINS
virtual_transport = lmtp:unix:$DC/lmtp
default_transport = error:mailstack delivers only to $DOMAINS
relay_transport = \$default_transport
lmtp_tls_security_level = none

smtpd_tls_cert_file = $TLS/cert.pem
smtpd_tls_key_file = $TLS/key.pem
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DC/auth-client
smtpd_error_sleep_time = 0s
smtpd_tls_session_cache_database =

# Quick retries and bounces, so deferral and DSN tests take seconds, not days.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = $lifetime
bounce_queue_lifetime = $lifetime
delay_warning_time = $warning
transport_maps = texthash:$TRANSPORT
smtp_tls_security_level = none
in_flow_delay = 0s
EOF
}

# Options shared by both submission services (one -o per line, master.cf style).
submission_options() {
    local name=$1
    cat <<EOF
  -o syslog_name=postfix/$name
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_reject_unlisted_recipient=no
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=check_recipient_access,texthash:$TEMPFAIL,permit_sasl_authenticated,reject
  -o max_use=1
EOF
}

# No chroot anywhere: the sockets and maps live in DIR, outside any jail.
write_postfix_master_cf() {
    {
        echo "# Generated by scripts/mailstack.sh"
        echo "$HOST:$SMTP_PORT inet n - n - - smtpd"
        echo "  -o smtpd_tls_security_level=encrypt"
        submission_options submission
        echo "$HOST:$SMTPS_PORT inet n - n - - smtpd"
        echo "  -o smtpd_tls_wrappermode=yes"
        submission_options submissions
        echo "$HOST:$RELAY_PORT inet n - n - - smtpd"
        echo "  -o syslog_name=postfix/relay"
        echo "  -o smtpd_relay_restrictions=permit_mynetworks,reject"
        cat <<'EOF'
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
tlsmgr     unix  -       -       n       1000?   1       tlsmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
lmtp       unix  -       -       n       -       -       lmtp
smtp       unix  -       -       n       -       -       smtp
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
EOF
    } >"$PF_CONF/master.cf"
}

# ---------------------------------------------------------------- layout and daemons

# DIR becomes 0755 (mkdtemp makes 0700): the mail and postfix users must traverse it.
make_layout() {
    install -d -m 0755 "$DIR" "$PF" "$PF_CONF" "$PF/queue" "$DC" "$DC/run" "$DC/state" "$LOG"
    install -d -m 0700 -o postfix -g postfix "$PF/data"
    install -d -m 0750 -o "$MAIL_USER" -g "$MAIL_USER" "$MAIL"
    install -d -m 0755 "$USERDB" "$USERDB/passdb" "$USERDB/userdb"
    touch "$TEMPFAIL"
    chmod 0644 "$TEMPFAIL"
}

# Postfix re-reads a main.cf younger than ~1 s at start; backdating saves ~2 s.
backdate_configs() {
    touch -d '-1 minute' "$PF_CONF/main.cf" "$PF_CONF/master.cf" "$DC/dovecot.conf" "$TEMPFAIL" \
        "$TRANSPORT"
}

# Daemons get no inherited pipes: callers using $(...) would otherwise hang on them.
start_daemons() {
    /usr/sbin/dovecot -c "$DC/dovecot.conf" </dev/null >>"$LOG/start.log" 2>&1 \
        || die "dovecot failed to start: $(tail -n 20 "$LOG/start.log" "$LOG/dovecot.log" 2>&1)"
    /usr/sbin/postfix -c "$PF_CONF" start </dev/null >>"$LOG/start.log" 2>&1 \
        || die "postfix failed to start: $(tail -n 20 "$LOG/start.log" "$LOG/postfix.log" 2>&1)"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

wait_for_ports() {
    local deadline=$((SECONDS + 15)) port
    for port in "$SMTP_PORT" "$SMTPS_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$RELAY_PORT"; do
        until port_open "$port"; do
            ((SECONDS < deadline)) || die "port $port did not open; see $LOG"
            sleep 0.05
        done
    done
    until [[ -S "$DC/lmtp" && -S "$DC/auth-client" ]]; do
        ((SECONDS < deadline)) || die "Dovecot sockets did not appear; see $LOG"
        sleep 0.05
    done
}

cmd_up() {
    set_paths "$1"
    require_tools
    if pid_alive "$PF_PID" && pid_alive "$DC_PID" && [[ -f "$PORTS_ENV" ]]; then
        cat "$PORTS_ENV"
        return 0
    fi
    make_layout
    require_traversable
    choose_ports
    [[ -f "$TLS/cert.pem" ]] || make_certs
    write_dovecot_conf
    write_dict_auth_conf
    write_postfix_main_cf
    write_postfix_master_cf
    backdate_configs
    start_daemons
    wait_for_ports
    write_ports_env
    cat "$PORTS_ENV"
}

# SIGTERM to each master (it stops its own children), then wait; SIGKILL as a last resort.
# Both are signalled first so their shutdowns overlap.
cmd_down() {
    set_paths "$1"
    local pidfile pids=() pid deadline=$((SECONDS + 10))
    for pidfile in "$PF_PID" "$DC_PID"; do
        pid_alive "$pidfile" || continue
        pid=$(pid_of "$pidfile")
        kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    done
    for pid in "${pids[@]}"; do
        while process_running "$pid"; do
            if ((SECONDS >= deadline)); then
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.05
        done
    done
}

# ---------------------------------------------------------------- runtime changes

# Replace ADDRESS's line in FILE (first field) with LINE (or just drop it if LINE is
# empty), atomically, so Postfix never reads a half-written map.
replace_line() {
    local file=$1 address=$2 line=$3 tmp
    tmp=$(mktemp "$file.XXXXXX")
    awk -v a="$address" 'tolower($1) != tolower(a)' "$file" >"$tmp"
    [[ -z "$line" ]] || printf '%s\n' "$line" >>"$tmp"
    chmod 0644 "$tmp"
    # Postfix re-reads a table younger than a second until it "cools down" (~2 s).
    touch -d '-1 minute' "$tmp"
    mv -f "$tmp" "$file"
}

require_address() {
    [[ "$1" =~ ^[^@/:[:space:]]+@[^@/:[:space:]]+$ ]] || die "not an address: '$1'"
}

cmd_add_user() {
    set_paths "$1"
    local address=$2 password=$3 quota=${4:-}
    require_address "$address"
    [[ "$password" != *[[:cntrl:]]* ]] || die "password must not contain control characters"
    [[ -z "$quota" || "$quota" =~ ^[0-9]+$ ]] || die "quota must be a number of bytes: '$quota'"
    local key=${address,,} userdb="{}"
    [[ -z "$quota" ]] || userdb="{\"quota_rule\": \"*:storage=${quota}B\"}"
    write_json "$USERDB/userdb/$key" "$userdb"
    write_json "$USERDB/passdb/$key" "{\"password\": $(json_string "{PLAIN}$password")}"
    wait_for_login "$address" "$password"
}

json_string() {
    local text=${1//\\/\\\\}
    printf '"%s"' "${text//\"/\\\"}"
}

# Write a JSON object atomically, so Dovecot never reads half of one.
write_json() {
    local file=$1 json=$2 tmp
    tmp=$(mktemp "$file.XXXXXX")
    printf '%s\n' "$json" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
}

# Check that the new credentials authenticate (and that Dovecot can read the files).
wait_for_login() {
    local deadline=$((SECONDS + 5))
    until /usr/bin/doveadm -c "$DC/dovecot.conf" auth test -a "$DC/auth-client" "$1" "$2" \
        </dev/null >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "Dovecot did not accept the new login for $1; see $LOG"
        sleep 0.05
    done
}

# Postfix reads the map when an smtpd starts (max_use=1 makes that once per session);
# the reload also retires idle ones. Wait until the master has logged the reload.
reload_postfix() {
    local before deadline=$((SECONDS + 10))
    before=$(grep -c 'reload -- version' "$LOG/postfix.log" 2>/dev/null || true)
    /usr/sbin/postfix -c "$PF_CONF" reload </dev/null >>"$LOG/start.log" 2>&1
    until (($(grep -c 'reload -- version' "$LOG/postfix.log" || true) > before)); do
        ((SECONDS < deadline)) || die "postfix did not log its reload; see $LOG/postfix.log"
        sleep 0.02
    done
}

cmd_tempfail() {
    set_paths "$1"
    local address=$2 state=$3 line=""
    require_address "$address"
    case "$state" in
        on) line="$address 451 4.7.1 mailstack: temporary failure switched on for $address" ;;
        reject) line="$address 550 5.1.1 mailstack: recipient rejected: $address" ;;
        off) ;;
        *) die "tempfail state must be 'on', 'reject' or 'off', not '$state'" ;;
    esac
    replace_line "$TEMPFAIL" "$address" "$line"
    reload_postfix
}

cmd_expire() {
    set_paths "$1"
    /usr/sbin/postsuper -c "$PF_CONF" -e ALL </dev/null >>"$LOG/start.log" 2>&1
    /usr/sbin/postqueue -c "$PF_CONF" -f </dev/null >>"$LOG/start.log" 2>&1
}

# The user's home is DIR/mail/DOMAIN/LOCAL (see the userdb's default_fields).
cmd_sieve() {
    set_paths "$1"
    local address=$2 file=$3 local_part domain home
    require_address "$address"
    [[ -f "$SIEVE_PLUGIN" ]] || die "Pigeonhole missing ($SIEVE_PLUGIN); run: bash scripts/install_test_deps.sh"
    local_part=${address%@*} domain=${address#*@}
    home="$MAIL/${domain,,}/${local_part,,}"
    install -d -m 0700 -o "$MAIL_USER" -g "$MAIL_USER" "$MAIL/${domain,,}" "$home"
    rm -f "$home/.dovecot.sieve" "$home/.dovecot.svbin"
    [[ "$file" == "-" ]] && return 0
    install -m 0600 -o "$MAIL_USER" -g "$MAIL_USER" "$file" "$home/.dovecot.sieve"
}

cmd_flush() {
    set_paths "$1"
    /usr/sbin/postqueue -c "$PF_CONF" -f </dev/null >>"$LOG/start.log" 2>&1
}

usage() {
    sed -n '2,48p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

main() {
    local cmd=${1:-}
    shift || true
    case "$cmd" in
        up) [[ $# -eq 1 ]] || usage; cmd_up "$@" ;;
        down) [[ $# -eq 1 ]] || usage; cmd_down "$@" ;;
        add-user) [[ $# -ge 3 && $# -le 4 ]] || usage; cmd_add_user "$@" ;;
        tempfail) [[ $# -eq 3 ]] || usage; cmd_tempfail "$@" ;;
        expire) [[ $# -eq 1 ]] || usage; cmd_expire "$@" ;;
        sieve) [[ $# -eq 3 ]] || usage; cmd_sieve "$@" ;;
        flush) [[ $# -eq 1 ]] || usage; cmd_flush "$@" ;;
        *) usage ;;
    esac
}

main "$@"
