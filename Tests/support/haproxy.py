"""A real HAProxy in front of several swarmd nodes, for the Python end-to-end tests (Tests/Cluster).

    from haproxy import HAProxy
    proxy = HAProxy(folder, [("node1", 8081), ("node2", 8082)])   # writes FOLDER/haproxy.cfg, a free port
    proxy.start()                        # `haproxy -f FOLDER/haproxy.cfg -db`; waits until it answers
    proxy.url                            # ws://127.0.0.1:PORT/v1/ws, balanced over the nodes
    proxy.servers()                      # {"node1": {"status": "UP", "scur": 3, ...}, ...} from `show stat`
    proxy.wait_status("node2", "DOWN", timeout=30)
    proxy.stop()                         # SIGTERM (HAProxy's hard stop); its log is FOLDER/haproxy.log

The configuration is the one docs/operations.md ("Several nodes behind HAProxy") explains line by line,
on loopback, with health checks fast enough for a test and two additions for the test only: the admin
socket (`show stat`) and the `X-Swarm-Node` response header naming the node that answered, so a test
knows which node holds each WebSocket connection. Environment: HAPROXY (default: haproxy on the PATH).
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from swarmd import free_port, terminate

HAPROXY = os.environ.get("HAPROXY") or shutil.which("haproxy") or "/usr/sbin/haproxy"


def configuration(port, servers, stats_socket, inter="1s", fall=3, rise=2):
    """The haproxy.cfg text: a frontend on 127.0.0.1:`port`, one backend over `servers` ((name, port) pairs)."""
    lines = [
        "global",
        f"    stats socket {stats_socket} mode 600 level admin",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout tunnel 1h",
        "    timeout client-fin 5s",
        "    timeout http-request 10s",
        "    timeout check 2s",
        "    retries 3",
        "    option redispatch 1",
        "",
        "frontend swarm",
        f"    bind 127.0.0.1:{port}",
        "    http-request deny if { path_reg ^/+metrics/*$ }",
        "    default_backend swarmd",
        "",
        "backend swarmd",
        "    balance leastconn",
        "    option httpchk GET /health",
        "    http-check expect status 200",
        "    http-response set-header X-Swarm-Node %s",
        f"    default-server check inter {inter} fall {fall} rise {rise} on-marked-down shutdown-sessions",
    ]
    lines += [f"    server {name} 127.0.0.1:{server_port}" for name, server_port in servers]
    return "\n".join(lines) + "\n"


class HAProxy:
    """`haproxy -f FOLDER/haproxy.cfg -db` (in the foreground, a child of the test) on a free loopback port."""

    def __init__(self, folder, servers, port=None, **checks):
        self.folder = Path(folder)
        self.port = port or free_port()
        self.stats_socket = str(self.folder / "haproxy.sock")
        self.config = self.folder / "haproxy.cfg"
        self.config.write_text(configuration(self.port, servers, self.stats_socket, **checks))
        self.names = [name for name, _ in servers]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"ws://127.0.0.1:{self.port}/v1/ws"
        self.process = None

    def start(self, timeout=30):
        """Checks the configuration (`haproxy -c`), starts HAProxy, waits until its port and admin socket answer."""
        checked = subprocess.run([HAPROXY, "-c", "-f", str(self.config)], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"haproxy -c refused {self.config}: {checked.stdout}{checked.stderr}")
        self.log = open(self.folder / "haproxy.log", "a")
        self.process = subprocess.Popen([HAPROXY, "-f", str(self.config), "-db"], stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self.process.returncode}; see {self.folder / 'haproxy.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                self.servers()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"haproxy did not answer on port {self.port} within {timeout} s")

    def command(self, line, timeout=5):
        """One command on the admin socket (`show stat`, `show servers state`, …); its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.stats_socket)
            s.sendall(line.encode() + b"\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self):
        """The backend's servers from `show stat`: {name: {column: value}} (`status` is UP, DOWN, `UP 1/2`
        while a check result is pending, …; `scur` the sessions open now, `stot` all so far, integers)."""
        text = self.command("show stat")
        lines = [line for line in text.splitlines() if line.strip()]
        header = lines[0].lstrip("# ").split(",")
        result = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "swarmd" and row.get("svname") in self.names:
                for column in ("scur", "stot", "chkfail", "chkdown"):
                    row[column] = int(row.get(column) or 0)
                result[row["svname"]] = row
        return result

    def wait_status(self, name, status, timeout):
        """Waits until server `name` is `status` (UP or DOWN) in `show stat`; returns whether it did in time."""
        deadline = time.monotonic() + timeout
        while True:
            if self.servers()[name]["status"] == status:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def stop(self):
        """SIGTERM (HAProxy stops at once, closing every connection); the exit status, None if it had to be killed."""
        status = terminate(self.process, 10)
        self.process = None
        if hasattr(self, "log"):
            self.log.close()
        return status
