"""A PostgreSQL database for the Python end-to-end tests that run swarmd nodes on PostgreSQL (Tests/Cluster).

    from postgres import TestDatabase
    with TestDatabase(folder) as url:     # postgres://swarm@127.0.0.1:PORT/swarm_py_…?sslmode=disable
        ...                               # an empty database of its own, dropped afterwards

Under scripts/test the server is the run's throwaway cluster, `SWARM_TEST_POSTGRES_URL` (scripts/lib/postgres.sh
`swarm_test_postgres_up`), and the database is a new one on it, as the Swift tests make theirs
(Tests/SwarmTestSupport/PostgresTestDatabase.swift). Without that variable a private cluster is made in a
new /tmp/swarm-postgres-py-… folder with `scripts/lib/postgres.sh init` (not inside FOLDER: as root the cluster
runs as `nobody`, who must reach its folder), and destroyed afterwards: the test then needs only Debian's
`postgresql` package (scripts/bootstrap-test installs it).
"""

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
CONTROL = REPO / "scripts" / "lib" / "postgres.sh"


def psql(url, sql, timeout=60):
    """Runs one SQL command with psql against `url`; its output (unaligned, tuples only)."""
    result = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"psql {sql!r}: {result.stderr.strip()}")
    return result.stdout.strip()


def with_database(url, name):
    """`url` with its database replaced by `name`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class TestDatabase:
    """An empty database on the run's server (SWARM_TEST_POSTGRES_URL), or on a private cluster; FOLDER holds
    the private cluster's init log."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.private = None
        self.server = os.environ.get("SWARM_TEST_POSTGRES_URL") or None
        self.name = "swarm_py_" + uuid.uuid4().hex[:20]
        self.url = None

    def __enter__(self):
        if self.server is None:
            self.private = Path(f"/tmp/swarm-postgres-py-{uuid.uuid4().hex[:8]}")
            # Output to a file, not a pipe: the server it starts in the background would hold a pipe open.
            with open(self.folder / "postgres-init.log", "w") as log:
                subprocess.run([str(CONTROL), "init", str(self.private)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=120, check=False)
            lines = (self.folder / "postgres-init.log").read_text().strip().splitlines()
            if not lines or not lines[-1].startswith("postgres://"):
                self._destroy()
                raise RuntimeError(f"scripts/lib/postgres.sh init failed: {' / '.join(lines[-5:])}")
            self.server = lines[-1]
        try:
            psql(self.server, f"CREATE DATABASE {self.name}")
        except Exception:
            self._destroy()
            raise
        self.url = with_database(self.server, self.name)
        return self.url

    def __exit__(self, *exc):
        try:
            psql(self.server, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except Exception as error:  # the cluster may be gone already; nothing to keep
            print(f"postgres: could not drop {self.name}: {error}")
        self._destroy()
        return False

    def _destroy(self):
        if self.private is not None:
            subprocess.run([str(CONTROL), "destroy", str(self.private)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
            self.private = None
