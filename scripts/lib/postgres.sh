#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, owned by an unprivileged
# user (postgres refuses to run as root; as root the cluster runs as `nobody`), listening on 127.0.0.1
# on a free port, trust authentication for the superuser `swarm`. Nothing outside the folder is touched.
#
# Sourced (scripts/test):
#   source scripts/lib/postgres.sh
#   swarm_test_postgres_up     # exports SWARM_TEST_POSTGRES_URL, SWARM_TEST_POSTGRES_CTL, SWARM_TEST_POSTGRES_DIR
#   ...                        # swift test
#   swarm_test_postgres_down   # stops the cluster and removes its folder
# Run (by the tests that stop the server, and by hand):
#   scripts/lib/postgres.sh init DIR     # a new cluster in DIR (empty or missing); prints its URL
#   scripts/lib/postgres.sh stop DIR     # fast shutdown
#   scripts/lib/postgres.sh start DIR    # starts it again on the same port
#   scripts/lib/postgres.sh destroy DIR  # stops it and removes DIR

swarm_postgres_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
    return 1
}

# Runs a command as the cluster's owner: the caller itself, or `nobody` when the caller is root.
swarm_postgres_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

# A free port below the ephemeral range (scripts/lib/ports.sh).
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

swarm_postgres_start_dir() {
    local dir=$1 bin
    bin=$(swarm_postgres_bin) || return 1
    swarm_postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$(cat "$dir/port") -c unix_socket_directories=$dir" \
        start </dev/null >/dev/null 2>&1 || {
        echo "postgres.sh: the server in $dir did not start; the end of its log:" >&2
        tail -n 20 "$dir/server.log" >&2
        return 1
    }
}

swarm_postgres_stop_dir() {
    local dir=$1 bin
    bin=$(swarm_postgres_bin) || return 1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    swarm_postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

swarm_postgres_init_dir() {
    local dir=$1 bin port
    bin=$(swarm_postgres_bin) || return 1
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown nobody "$dir"
    swarm_postgres_as_owner "$bin/initdb" -D "$dir/data" -U swarm --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    echo "max_connections = 200" >>"$dir/data/postgresql.conf"
    # Test speed, not durability: the cluster is thrown away after the run. Benchmarks set
    # SWARM_POSTGRES_DURABLE=1 to keep PostgreSQL's defaults (fsync on, synchronous commit).
    if [ "${SWARM_POSTGRES_DURABLE:-0}" != 1 ]; then
        printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$dir/data/postgresql.conf"
    fi
    port=$(swarm_free_port)
    echo "$port" | swarm_postgres_as_owner tee "$dir/port" >/dev/null
    swarm_postgres_start_dir "$dir" || {
        cat "$dir/server.log" >&2
        return 1
    }
    echo "postgres://swarm@127.0.0.1:$port/postgres?sslmode=disable"
}

swarm_test_postgres_up() {
    local dir url
    dir=$(mktemp -d /tmp/swarm-postgres.XXXXXX)
    url=$(swarm_postgres_init_dir "$dir") || return 1
    export SWARM_TEST_POSTGRES_DIR=$dir
    export SWARM_TEST_POSTGRES_URL=$url
    export SWARM_TEST_POSTGRES_CTL
    SWARM_TEST_POSTGRES_CTL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/postgres.sh"
    echo "postgres: test cluster at $url ($dir)" >&2
}

swarm_test_postgres_down() {
    [ -n "${SWARM_TEST_POSTGRES_DIR:-}" ] || return 0
    swarm_postgres_stop_dir "$SWARM_TEST_POSTGRES_DIR" || true
    rm -rf "$SWARM_TEST_POSTGRES_DIR"
    unset SWARM_TEST_POSTGRES_DIR SWARM_TEST_POSTGRES_URL SWARM_TEST_POSTGRES_CTL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
    init) swarm_postgres_init_dir "$2" ;;
    start) swarm_postgres_start_dir "$2" ;;
    stop) swarm_postgres_stop_dir "$2" ;;
    destroy)
        swarm_postgres_stop_dir "$2" || true
        rm -rf "$2"
        ;;
    *)
        echo "usage: $0 init|start|stop|destroy DIR" >&2
        exit 64
        ;;
    esac
fi
