#!/usr/bin/env bash
# A private clamd for the tests (issue 28, docs/attachments.md): ClamAV's daemon on a Unix socket in a temporary
# folder and on a free TCP port of 127.0.0.1, with a signature database this script writes — one signature, the EICAR test file's — so it starts
# in well under a second, with no download and no freshclam. It runs as the caller (root in CI); nothing
# outside the folder is configured or started, and the system's own clamd (if any) is not used.
#
# The folder should be under /tmp: Debian's AppArmor profile for clamd lets it read and write there (and in
# its own folders), so the same script works where that profile is enforced.
#
# Sourced:
#   source scripts/lib/clamd.sh
#   swarm_test_clamd_up [STREAM_MAX_LENGTH]  # exports SWARM_TEST_CLAMD_DIR, SWARM_TEST_CLAMD_ADDRESS
#                                            # (unix:/…/clamd.sock), SWARM_TEST_CLAMD_TCP_ADDRESS
#                                            # (tcp://127.0.0.1:PORT) and SWARM_TEST_CLAMD_CTL (this script)
#   ...
#   swarm_test_clamd_down                    # stops clamd and removes the folder
# Run (the Swift tests' ClamdHarness, and by hand):
#   scripts/lib/clamd.sh init DIR [STREAM_MAX_LENGTH]  # writes the database and clamd.conf in DIR (empty or
#                                                      # missing) and starts clamd; prints its address,
#                                                      # unix:DIR/clamd.sock (its TCP port is in
#                                                      # DIR/tcp.port). STREAM_MAX_LENGTH is clamd's
#                                                      # (a number of bytes, or with K or M); clamd's default
#                                                      # when not given.
#   scripts/lib/clamd.sh stop|start DIR
#   scripts/lib/clamd.sh destroy DIR                   # stops clamd and removes DIR

# The EICAR test file (https://www.eicar.org/download-anti-malware-testfile/): 68 bytes that every virus scanner
# reports, harmless. Written here as hex, so that this script is not itself "infected" for a scanner.
SWARM_CLAMD_EICAR_HEX=58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a
# The signature's name; clamd reports a signature that is not from ClamAV's own databases with .UNOFFICIAL added.
SWARM_CLAMD_SIGNATURE=Swarm.Test.EICAR

# A free port below the ephemeral range (scripts/lib/ports.sh).
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

swarm_clamd_need() {
    if [ ! -x /usr/sbin/clamd ]; then
        echo "clamd.sh: /usr/sbin/clamd is missing (apt-get install clamav-daemon; scripts/bootstrap-test)" >&2
        return 1
    fi
}

# The database and the configuration of a private clamd in DIR.
swarm_clamd_write() {
    local dir=$1 stream_max_length=${2:-} port
    mkdir -p "$dir/db" "$dir/tmp"
    port=$(swarm_free_port)
    echo "$port" >"$dir/tcp.port"
    # An extended signature (.ndb: name, any file type, anywhere in the file, the bytes in hex): the EICAR string
    # wherever it is in a stream, not only as the whole of one.
    printf '%s:0:*:%s\n' "$SWARM_CLAMD_SIGNATURE" "$SWARM_CLAMD_EICAR_HEX" >"$dir/db/swarm-test.ndb"
    cat >"$dir/clamd.conf" <<EOF
# A private clamd for the tests (scripts/lib/clamd.sh): clamd --config-file=$dir/clamd.conf
LocalSocket $dir/clamd.sock
LocalSocketMode 600
TCPSocket $port
TCPAddr 127.0.0.1
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
LogFile $dir/clamd.log
LogTime yes
Foreground yes
# The test signature only: no bytecode, no PUA, no check of the database for changes.
Bytecode no
SelfCheck 0
EOF
    if [ -n "$stream_max_length" ]; then
        echo "StreamMaxLength $stream_max_length" >>"$dir/clamd.conf"
    fi
}

swarm_clamd_start_dir() {
    local dir=$1 pid
    swarm_clamd_need || return 1
    rm -f "$dir/clamd.sock"
    # In the foreground (clamd.conf), in the background of this script, in a session of its own. clamd's own
    # daemonizing has its parent wait for the child's SIGINT, which a child as quick as this one (one signature)
    # can send before the parent has set its handler, killing the parent (exit status 130; seen in the tests).
    # No standard streams of ours: a caller reading our output would wait for clamd.
    setsid /usr/sbin/clamd --config-file="$dir/clamd.conf" </dev/null >"$dir/start.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/clamd.pid"
    swarm_clamd_wait_pong "$dir" "$pid" || {
        echo "clamd.sh: clamd in $dir did not start:" >&2
        cat "$dir/start.log" >&2
        kill -KILL "$pid" 2>/dev/null || true
        return 1
    }
}

# Waits (up to 30 s) until clamd answers PING on its socket; fails at once when clamd (PID) has ended (gone, or a
# zombie: whoever adopted it may reap it late).
swarm_clamd_wait_pong() {
    python3 - "$1/clamd.sock" "$2" <<'PY'
import os, socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 30
while True:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(path)
            s.sendall(b"zPING\0")
            if s.recv(16) == b"PONG\0":
                break
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as status:
            ended = any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        ended = True
    if ended:
        raise SystemExit(f"clamd.sh: clamd (pid {pid}) ended before it answered PING")
    if time.monotonic() > end:
        raise SystemExit(f"clamd.sh: no PONG on {path} after 30 s")
    time.sleep(0.05)
PY
}

# Whether PID runs. A clamd that has ended stays a zombie until whoever adopted it (it outlives this script) reaps
# it, which init in a container may do only every second or two: that counts as ended.
swarm_clamd_running() {
    local state
    [ -r "/proc/$1/status" ] || return 1
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ]
}

swarm_clamd_stop_dir() {
    local dir=$1 pid
    [ -f "$dir/clamd.pid" ] || return 0
    pid=$(tr -d ' \n' <"$dir/clamd.pid")
    [ -n "$pid" ] || return 0
    # clamd ends within milliseconds of SIGTERM and removes its socket.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
        swarm_clamd_running "$pid" || break
        sleep 0.02
    done
    if swarm_clamd_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$dir/clamd.pid" "$dir/clamd.sock"
}

swarm_clamd_init_dir() {
    local dir=$1 stream_max_length=${2:-}
    swarm_clamd_need || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # A Unix socket's path is at most 107 bytes, and DIR/clamd.sock is 11 more than DIR.
    if [ $((${#dir} + 11)) -gt 107 ]; then
        echo "clamd.sh: $dir is too long for a Unix socket path under it (at most 107 bytes)" >&2
        return 1
    fi
    swarm_clamd_write "$dir" "$stream_max_length"
    swarm_clamd_start_dir "$dir" || return 1
    echo "unix:$dir/clamd.sock"
}

swarm_test_clamd_up() {
    local dir address
    dir=$(mktemp -d /tmp/swarm-clamd.XXXXXX)
    address=$(swarm_clamd_init_dir "$dir" "${1:-}") || {
        swarm_clamd_stop_dir "$dir"
        rm -rf "$dir"
        return 1
    }
    export SWARM_TEST_CLAMD_DIR=$dir
    export SWARM_TEST_CLAMD_ADDRESS=$address
    export SWARM_TEST_CLAMD_TCP_ADDRESS="tcp://127.0.0.1:$(cat "$dir/tcp.port")"
    export SWARM_TEST_CLAMD_CTL
    SWARM_TEST_CLAMD_CTL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/clamd.sh"
    echo "clamd: $address ($dir)" >&2
}

swarm_test_clamd_down() {
    [ -n "${SWARM_TEST_CLAMD_DIR:-}" ] || return 0
    swarm_clamd_stop_dir "$SWARM_TEST_CLAMD_DIR" || true
    rm -rf "$SWARM_TEST_CLAMD_DIR"
    unset SWARM_TEST_CLAMD_DIR SWARM_TEST_CLAMD_ADDRESS SWARM_TEST_CLAMD_TCP_ADDRESS SWARM_TEST_CLAMD_CTL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
    init) swarm_clamd_init_dir "$2" "${3:-}" ;;
    start) swarm_clamd_start_dir "$2" ;;
    stop) swarm_clamd_stop_dir "$2" ;;
    destroy)
        swarm_clamd_stop_dir "$2" || true
        rm -rf "$2"
        ;;
    *)
        echo "usage: $0 init DIR [STREAM_MAX_LENGTH] | start|stop|destroy DIR" >&2
        exit 64
        ;;
    esac
fi
