#!/usr/bin/env bash
# Real mail on loopback for the tests (issue 26, docs/mail.md): a private Postfix, a private Dovecot IMAP
# and a fetchmail rc, all in one temporary folder. Nothing outside the folder is configured or started;
# the system's own Postfix and Dovecot (if any) are not used.
#
#   Postfix  SMTP on 127.0.0.1:$SWARM_TEST_SMTP_PORT. Mail for the help desk's domain (it.example) goes
#            through the pipe transport `mailgate` (master.cf) to swarm-mailgate and the hub; mail for any
#            other domain (what the hub sends out, bounces) lands in one catch-all Maildir,
#            $SWARM_TEST_MAIL_CATCHALL, except an address whose local part is `gone`: it has no mailbox,
#            so Postfix bounces the message with a delivery-status notification to its sender. No SMTP
#            client in master.cf and every transport local: nothing leaves the machine.
#   Dovecot  IMAP on 127.0.0.1:$SWARM_TEST_IMAP_PORT, one user (SWARM_TEST_IMAP_USER / _PASSWORD),
#            Maildir: the hosted mailbox of the fetchmail path.
#   fetchmail  its rc ($DIR/fetchmail/fetchmailrc, mode 0600) reads that mailbox over IMAP and hands each
#            message to swarm-mailgate (`mda`); it runs once per `fetch`, not as a daemon.
# swarm-mailgate (Clients/c/build/swarm-mailgate, or $SWARM_MAILGATE) is copied into the folder, and the
# token file too, both readable by `nobody`, the user the pipe and fetchmail run it as.
#
# Sourced:
#   source scripts/lib/mail.sh
#   swarm_test_mail_up HUB_URL TOKEN_FILE   # exports SWARM_TEST_MAIL_DIR, SWARM_TEST_MAIL_CTL,
#                                           # SWARM_TEST_SMTP_PORT, SWARM_TEST_SMTP_URL (smtp://127.0.0.1:PORT),
#                                           # SWARM_TEST_IMAP_PORT, SWARM_TEST_IMAP_USER, SWARM_TEST_IMAP_PASSWORD,
#                                           # SWARM_TEST_MAIL_DOMAIN, SWARM_TEST_MAIL_CATCHALL
#   ...
#   swarm_test_mail_down                    # stops everything and removes the folder
# Run (the Python tests, and by hand):
#   scripts/lib/mail.sh init DIR HUB_URL TOKEN_FILE   # sets up and starts all in DIR; writes DIR/env
#                                                     # (KEY=VALUE lines, the variables above)
#   scripts/lib/mail.sh fetch DIR     # fetchmail once: the IMAP mailbox to swarm-mailgate
#   scripts/lib/mail.sh append DIR FILE  # puts the message in FILE into the IMAP mailbox (IMAP APPEND)
#   scripts/lib/mail.sh flush DIR     # Postfix tries its deferred mail now (postqueue -f)
#   scripts/lib/mail.sh queue DIR     # Postfix's queue, one JSON object a line (postqueue -j)
#   scripts/lib/mail.sh stop|start DIR
#   scripts/lib/mail.sh destroy DIR   # stops everything and removes DIR

SWARM_MAIL_DOMAIN=it.example
SWARM_MAIL_IMAP_USER=helpdesk
SWARM_MAIL_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# A free port below the ephemeral range (scripts/lib/ports.sh).
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

swarm_mail_need() {
    local program
    for program in /usr/sbin/postfix /usr/sbin/dovecot /usr/bin/fetchmail; do
        if [ ! -x "$program" ]; then
            echo "mail.sh: $program is missing (apt-get install postfix dovecot-imapd fetchmail; scripts/bootstrap-test)" >&2
            return 1
        fi
    done
}

# Postfix: main.cf, master.cf and the transport map of a private instance in DIR/postfix.
swarm_mail_write_postfix() {
    local dir=$1 hub_url=$2 smtp_port=$3
    mkdir -p "$dir/postfix/etc" "$dir/postfix/queue" "$dir/postfix/data" "$dir/catchall"
    chown postfix "$dir/postfix/data"
    chown nobody:nogroup "$dir/catchall"
    cat >"$dir/postfix/etc/main.cf" <<EOF
# A private Postfix instance for the tests (scripts/lib/mail.sh): postfix -c $dir/postfix/etc
compatibility_level = 3.6
queue_directory = $dir/postfix/queue
data_directory = $dir/postfix/data
maillog_file = $dir/postfix/postfix.log
maillog_file_prefixes = $dir/postfix
syslog_name = swarm-mail-test
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.swarm.test
mydomain = swarm.test
myorigin = \$myhostname
mydestination =
alias_maps =
alias_database =
biff = no
# Loopback only, and nothing leaves: there is no smtp client in master.cf, and every transport delivers
# here (relayhost empty, default_transport the catch-all).
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# The help desk's domain: every address in it goes to the hub through swarm-mailgate.
relay_domains = $SWARM_MAIL_DOMAIN
transport_maps = texthash:$dir/postfix/etc/transport
# Everything else (what the hub sends out, bounces, postmaster notices): one catch-all Maildir.
default_transport = virtual
relay_transport = virtual
local_transport = virtual
virtual_mailbox_base = $dir
virtual_mailbox_maps = regexp:$dir/postfix/etc/catchall
# Take mail for gone@… and bounce it afterwards, as a smarthost does when the far end refuses: the sender
# gets a delivery-status notification rather than a refusal in the SMTP dialogue.
smtpd_reject_unlisted_recipient = no
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
# Larger than swarm-mailgate's default --max-size (Postfix's default is 10 MB).
message_size_limit = 40000000
virtual_mailbox_limit = 0
# Deferred mail waits for 'postqueue -f' (the tests flush), not for a retry on a timer.
minimal_backoff_time = 1h
maximal_backoff_time = 1h
queue_run_delay = 1h
delay_warning_time = 0
EOF
    cat >"$dir/postfix/etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$smtp_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
virtual   unix  -       n       n       -       -       virtual
# The help desk's mail to the hub (docs/mail.md): swarm-mailgate reads one message on standard input.
mailgate  unix  -       n       n       -       4       pipe
  flags=RX user=nobody argv=$dir/bin/swarm-mailgate --url $hub_url --token-file $dir/mailgate.token
EOF
    printf '%s mailgate:\n' "$SWARM_MAIL_DOMAIN" >"$dir/postfix/etc/transport"
    # Every address has the catch-all but gone@…: mail to it finds no mailbox and bounces.
    printf '!/^gone@/ catchall/\n' >"$dir/postfix/etc/catchall"
}

# Dovecot: a private config in DIR/dovecot, one passwd-file user whose Maildir is DIR/dovecot/home/USER.
swarm_mail_write_dovecot() {
    local dir=$1 imap_port=$2 password=$3
    mkdir -p "$dir/dovecot/run" "$dir/dovecot/state" "$dir/dovecot/home/$SWARM_MAIL_IMAP_USER"
    chown -R nobody:nogroup "$dir/dovecot/home"
    printf '%s:{PLAIN}%s:%s:%s::%s\n' "$SWARM_MAIL_IMAP_USER" "$password" "$(id -u nobody)" \
        "$(getent group nogroup | cut -d: -f3)" "$dir/dovecot/home/$SWARM_MAIL_IMAP_USER" >"$dir/dovecot/passwd"
    chown root:dovecot "$dir/dovecot/passwd"
    chmod 640 "$dir/dovecot/passwd"
    cat >"$dir/dovecot/dovecot.conf" <<EOF
# A private Dovecot for the tests (scripts/lib/mail.sh): dovecot -c $dir/dovecot/dovecot.conf
protocols = imap
listen = 127.0.0.1
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
log_path = $dir/dovecot/dovecot.log
instance_name = swarm-mail-test
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/dovecot/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/dovecot/passwd
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
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
EOF
}

# fetchmail: its rc (0600, owned by nobody who runs it), reading the Dovecot mailbox into swarm-mailgate.
swarm_mail_write_fetchmail() {
    local dir=$1 hub_url=$2 imap_port=$3 password=$4
    mkdir -p "$dir/fetchmail"
    cat >"$dir/fetchmail/fetchmailrc" <<EOF
# fetchmail for the tests (scripts/lib/mail.sh): the help desk's hosted mailbox to the hub.
set no bouncemail
set no syslog
poll 127.0.0.1 service $imap_port protocol IMAP auth password timeout 30
  user "$SWARM_MAIL_IMAP_USER" there password "$password" is "nobody" here
  sslproto ""
  fetchall
  mda "$dir/bin/swarm-mailgate --url $hub_url --token-file $dir/mailgate.token"
EOF
    chown -R nobody:nogroup "$dir/fetchmail"
    chmod 700 "$dir/fetchmail"
    chmod 600 "$dir/fetchmail/fetchmailrc"
}

swarm_mail_start_dir() {
    local dir=$1
    swarm_mail_need || return 1
    # The daemons get no standard streams of ours: a caller reading our output would wait for them.
    postfix -c "$dir/postfix/etc" start </dev/null >"$dir/postfix/start.log" 2>&1 || {
        echo "mail.sh: Postfix in $dir did not start:" >&2
        cat "$dir/postfix/start.log" >&2
        tail -n 20 "$dir/postfix/postfix.log" >&2 2>/dev/null
        return 1
    }
    dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >"$dir/dovecot/start.log" 2>&1 || {
        cat "$dir/dovecot/start.log" >&2
        echo "mail.sh: Dovecot in $dir did not start:" >&2
        tail -n 20 "$dir/dovecot/dovecot.log" >&2 2>/dev/null
        return 1
    }
    swarm_mail_wait_port "$(cat "$dir/smtp.port")" && swarm_mail_wait_port "$(cat "$dir/imap.port")"
}

swarm_mail_wait_port() {
    python3 - "$1" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
end = time.monotonic() + 30
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > end:
            raise SystemExit(f"mail.sh: nothing listens on 127.0.0.1:{port} after 30 s")
        time.sleep(0.1)
PY
}

swarm_mail_stop_dir() {
    local dir=$1
    if [ -f "$dir/postfix/etc/main.cf" ] && postfix -c "$dir/postfix/etc" status >/dev/null 2>&1; then
        postfix -c "$dir/postfix/etc" stop >/dev/null 2>&1 || true
    fi
    if [ -f "$dir/dovecot/run/master.pid" ]; then
        dovecot -c "$dir/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
    fi
    swarm_mail_wait_gone "$dir"
}

# Waits for the instance's master processes to be gone (stop returns before they all are).
swarm_mail_wait_gone() {
    local dir=$1 pid file
    for file in "$dir/postfix/queue/pid/master.pid" "$dir/dovecot/run/master.pid"; do
        [ -f "$file" ] || continue
        pid=$(tr -d ' \n' <"$file")
        [ -n "$pid" ] || continue
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
}

swarm_mail_init_dir() {
    local dir=$1 hub_url=$2 token_file=$3 smtp_port imap_port password mailgate
    swarm_mail_need || return 1
    mailgate=${SWARM_MAILGATE:-$SWARM_MAIL_REPO/Clients/c/build/swarm-mailgate}
    if [ ! -x "$mailgate" ]; then
        echo "mail.sh: $mailgate is missing (make -C Clients/c)" >&2
        return 1
    fi
    if [ ! -r "$token_file" ]; then
        echo "mail.sh: cannot read the token file $token_file" >&2
        return 1
    fi
    mkdir -p "$dir/bin"
    chmod 755 "$dir"
    # Postfix's daemons and the pipe run as unprivileged users: they must reach into DIR.
    if ! runuser -u nobody -- test -x "$dir/bin"; then
        echo "mail.sh: $dir is not reachable by other users (a parent folder is private): use another folder" >&2
        return 1
    fi
    install -m 755 "$mailgate" "$dir/bin/swarm-mailgate"
    install -m 600 -o nobody -g nogroup "$token_file" "$dir/mailgate.token"
    smtp_port=$(swarm_free_port)
    imap_port=$(swarm_free_port)
    while [ "$imap_port" = "$smtp_port" ]; do imap_port=$(swarm_free_port); done
    password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$smtp_port" >"$dir/smtp.port"
    echo "$imap_port" >"$dir/imap.port"
    swarm_mail_write_postfix "$dir" "$hub_url" "$smtp_port"
    swarm_mail_write_dovecot "$dir" "$imap_port" "$password"
    swarm_mail_write_fetchmail "$dir" "$hub_url" "$imap_port" "$password"
    cat >"$dir/env" <<EOF
SWARM_TEST_MAIL_DIR=$dir
SWARM_TEST_MAIL_CTL=$SWARM_MAIL_REPO/scripts/lib/mail.sh
SWARM_TEST_MAIL_DOMAIN=$SWARM_MAIL_DOMAIN
SWARM_TEST_SMTP_PORT=$smtp_port
SWARM_TEST_SMTP_URL=smtp://127.0.0.1:$smtp_port
SWARM_TEST_IMAP_PORT=$imap_port
SWARM_TEST_IMAP_USER=$SWARM_MAIL_IMAP_USER
SWARM_TEST_IMAP_PASSWORD=$password
SWARM_TEST_MAIL_CATCHALL=$dir/catchall
SWARM_TEST_POSTFIX_CONFIG=$dir/postfix/etc
EOF
    swarm_mail_start_dir "$dir"
}

# fetchmail once, as nobody; its exit status (0 mail delivered, 1 no mail, others: fetchmail(1)).
swarm_mail_fetch_dir() {
    local dir=$1
    runuser -u nobody -- env HOME="$dir/fetchmail" FETCHMAILHOME="$dir/fetchmail" \
        fetchmail -f "$dir/fetchmail/fetchmailrc" --idfile "$dir/fetchmail/fetchids" \
        --pidfile "$dir/fetchmail/fetchmail.pid" --nodetach --nosyslog </dev/null
}

# IMAP APPEND of the message in FILE to the mailbox's INBOX, as a mail provider's server would take it.
swarm_mail_append_dir() {
    local dir=$1 file=$2
    (
        # shellcheck disable=SC1091
        source "$dir/env"
        python3 - "$SWARM_TEST_IMAP_PORT" "$SWARM_TEST_IMAP_USER" "$SWARM_TEST_IMAP_PASSWORD" "$file" <<'PY'
import imaplib, sys
port, user, password, path = sys.argv[1:5]
with open(path, "rb") as f:
    message = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
imap = imaplib.IMAP4("127.0.0.1", int(port))
imap.login(user, password)
status, _ = imap.append("INBOX", None, None, message)
imap.logout()
sys.exit(0 if status == "OK" else 1)
PY
    )
}

swarm_test_mail_up() {
    local dir
    dir=$(mktemp -d /tmp/swarm-mail.XXXXXX)
    swarm_mail_init_dir "$dir" "$1" "$2" || {
        swarm_mail_stop_dir "$dir"
        rm -rf "$dir"
        return 1
    }
    set -a
    # shellcheck disable=SC1091
    source "$dir/env"
    set +a
    echo "mail: Postfix on $SWARM_TEST_SMTP_URL, Dovecot IMAP on 127.0.0.1:$SWARM_TEST_IMAP_PORT ($dir)" >&2
}

swarm_test_mail_down() {
    [ -n "${SWARM_TEST_MAIL_DIR:-}" ] || return 0
    swarm_mail_stop_dir "$SWARM_TEST_MAIL_DIR" || true
    rm -rf "$SWARM_TEST_MAIL_DIR"
    unset SWARM_TEST_MAIL_DIR SWARM_TEST_MAIL_CTL SWARM_TEST_MAIL_DOMAIN SWARM_TEST_SMTP_PORT SWARM_TEST_SMTP_URL \
        SWARM_TEST_IMAP_PORT SWARM_TEST_IMAP_USER SWARM_TEST_IMAP_PASSWORD SWARM_TEST_MAIL_CATCHALL \
        SWARM_TEST_POSTFIX_CONFIG
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
    init) swarm_mail_init_dir "$2" "$3" "$4" ;;
    start) swarm_mail_start_dir "$2" ;;
    stop) swarm_mail_stop_dir "$2" ;;
    fetch) swarm_mail_fetch_dir "$2" ;;
    append) swarm_mail_append_dir "$2" "$3" ;;
    flush) postqueue -c "$2/postfix/etc" -f ;;
    queue) postqueue -c "$2/postfix/etc" -j ;;
    destroy)
        swarm_mail_stop_dir "$2" || true
        rm -rf "$2"
        ;;
    *)
        echo "usage: $0 init DIR HUB_URL TOKEN_FILE | start|stop|fetch|flush|queue|destroy DIR | append DIR FILE" >&2
        exit 64
        ;;
    esac
fi
