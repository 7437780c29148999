# A free TCP port on 127.0.0.1 for a server the tests start (PostgreSQL, Postfix, Dovecot), sourced by the
# libraries beside it.
#
# Below the kernel's ephemeral range: the tests stop and start servers on their ports, and while one is down
# a port from the ephemeral range can be taken by any outgoing connection of the tests running beside it
# (seen in CI: the restart then fails).
swarm_free_port() {
    python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randint(10000, max(10001, low - 1))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port below the ephemeral range")
PY
}
