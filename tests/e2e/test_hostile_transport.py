"""Hostile clients against the real binary's transport (issue 13): each test reproduces one way a
client could exhaust the host, with raw sockets, and checks the limit that now stops it."""
import os
import resource
import signal
import socket
import time
import unittest

from harness import Host, SOURCE_DIR, raw_exchange


def transport_config(**options):
    """config/default.yaml with `options` added to the transport-http instance."""
    with open(os.path.join(SOURCE_DIR, "config", "default.yaml")) as f:
        text = f.read()
    anchor = "      threads: 2\n"
    assert anchor in text, "config/default.yaml's transport block changed"
    lines = "".join("      %s: %s\n" % (k, v) for k, v in options.items())
    return text.replace(anchor, anchor + lines)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(port, rcvbuf=None, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s


def read_answer(s, timeout=10):
    """Reads until one whole answer (Content-Length framed) or end of stream; returns the bytes."""
    s.settimeout(timeout)
    data = b""
    while True:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            for line in data[:head_end].split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    if len(data) >= head_end + 4 + int(line.split(b":")[1]):
                        return data
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return data
        if not chunk:
            return data
        data += chunk


class HostileTransport(unittest.TestCase):
    host = None

    def start(self, **options):
        self.host = Host(config_text=transport_config(**options)).start()
        return self.host

    def tearDown(self):
        if self.host:
            self.host.stop()

    def test_pipelined_requests_whose_answers_are_never_read_do_not_grow_memory(self):
        host = self.start()
        base = rss_kb(host.proc.pid)
        s = connect(host.port, rcvbuf=4096)
        request = b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"
        s.setblocking(False)
        payload = request * 3000
        sent = 0
        deadline = time.time() + 5
        while sent < len(payload) and time.time() < deadline:
            try:
                sent += s.send(payload[sent:])
            except BlockingIOError:
                time.sleep(0.05)
        time.sleep(1.0)
        grown_mb = (rss_kb(host.proc.pid) - base) / 1024
        s.close()
        # Before the output bound the answers queued in memory: +368 MB for this client.
        self.assertLess(grown_mb, 40, "RSS grew by %.0f MB for one client that reads nothing" % grown_mb)
        status, _, _ = raw_exchange(host.port, b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)

    def test_a_slow_header_client_gets_408_and_is_closed(self):
        host = self.start(header_timeout_ms=500)
        s = connect(host.port)
        s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n")
        started = time.time()
        data = read_answer(s, timeout=5)
        self.assertTrue(data.startswith(b"HTTP/1.1 408"), data[:200])
        self.assertIn(b"REQUEST_TIMEOUT", data)
        self.assertLess(time.time() - started, 3)
        s.close()

    def test_a_body_that_stops_arriving_gets_408(self):
        host = self.start(body_timeout_ms=500)
        s = connect(host.port)
        s.sendall(b"POST /api/mt5/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        data = read_answer(s, timeout=5)
        self.assertTrue(data.startswith(b"HTTP/1.1 408"), data[:200])
        s.close()

    def test_an_idle_keep_alive_connection_is_closed(self):
        host = self.start(idle_timeout_ms=500)
        s = connect(host.port)
        s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(read_answer(s).startswith(b"HTTP/1.1 200"))
        started = time.time()
        s.settimeout(5)
        self.assertEqual(s.recv(100), b"", "the idle connection was not closed")
        self.assertLess(time.time() - started, 3)
        s.close()

    def test_connections_past_the_per_ip_limit_are_answered_429_and_closed(self):
        host = self.start(max_connections_per_ip=5)
        time.sleep(0.5)  # the start-up probe's connection is closed and released
        kept = [connect(host.port) for _ in range(5)]
        time.sleep(0.5)
        extra = connect(host.port)
        data = read_answer(extra, timeout=5)
        self.assertTrue(data.startswith(b"HTTP/1.1 429"), data[:200])
        self.assertIn(b"TOO_MANY_CONNECTIONS", data)
        for s in kept:
            s.close()
        time.sleep(0.3)
        status, _, _ = raw_exchange(host.port, b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)

    def test_partial_bodies_are_capped_in_total(self):
        # Before: 1,000 connections each holding 1 MB - 1 byte took RSS to 1 GB.
        host = self.start(max_buffered_request_bytes=4194304)
        base = rss_kb(host.proc.pid)
        head = b"POST /api/mt5/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"
        body = b"x" * (1048576 - 1)
        sockets, refused = [], 0
        for _ in range(12):
            s = connect(host.port)
            try:
                s.sendall(head + body)
            except OSError:
                pass
            sockets.append(s)
        time.sleep(0.5)
        for s in sockets:
            s.setblocking(False)
            try:
                if s.recv(65536).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except (BlockingIOError, ConnectionResetError):
                pass
        grown_mb = (rss_kb(host.proc.pid) - base) / 1024
        for s in sockets:
            s.close()
        self.assertGreaterEqual(refused, 8, "the server kept more partial bodies than the cap")
        self.assertLess(grown_mb, 30, "RSS grew by %.0f MB" % grown_mb)

    def test_out_of_descriptors_the_server_backs_off_and_recovers(self):
        limit = 64

        def low_nofile():
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        host = Host(config_text=transport_config())
        original = __import__("subprocess").Popen

        def popen(*a, **kw):
            kw["preexec_fn"] = low_nofile
            return original(*a, **kw)

        __import__("subprocess").Popen = popen
        try:
            self.host = host.start()
        finally:
            __import__("subprocess").Popen = original
        hold = []
        for _ in range(limit + 20):
            try:
                hold.append(connect(host.port, timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        before = cpu_seconds(host.proc.pid)
        time.sleep(2.0)
        used = cpu_seconds(host.proc.pid) - before
        print("cpu while out of descriptors: %.2f s in 2 s" % used)
        # Before: the accept loop spun at 100% of a core on EMFILE.
        self.assertLess(used, 0.2, "the server used %.2f s of CPU in 2 s while out of descriptors" % used)
        for s in hold:
            s.close()
        time.sleep(0.5)
        status, _, _ = raw_exchange(host.port, b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertIn("cannot accept connections", host.logs())

    def test_during_shutdown_new_connections_are_refused_or_answered_never_ignored(self):
        host = self.start()
        # A client that pipelines and reads nothing keeps answers unsent, so stop() spends its
        # drain time (up to a second) with this connection open: the window the finding was in.
        stuck = connect(host.port, rcvbuf=4096)
        stuck.setblocking(False)
        try:
            stuck.send(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
        except BlockingIOError:
            pass
        time.sleep(0.3)
        busy = connect(host.port)
        busy.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(read_answer(busy).startswith(b"HTTP/1.1 200"))
        busy.close()
        host.proc.send_signal(signal.SIGTERM)
        unanswered = 0
        deadline = time.time() + 3
        while host.proc.poll() is None and time.time() < deadline:
            try:
                s = connect(host.port, timeout=2)
            except OSError:
                continue  # refused: the client knows at once
            try:
                s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
                s.settimeout(3)
                s.recv(65536)  # an answer, or end of stream: either way the client knows
            except socket.timeout:
                unanswered += 1
            except OSError:
                pass
            s.close()
        host.proc.wait(timeout=15)
        stuck.close()
        self.assertEqual(unanswered, 0, "connections accepted during shutdown were left hanging")
        # Only the client that read nothing lost answers, and the log says so without counting
        # the delivered ones.
        unsent = [l for l in host.logs().splitlines() if "still unsent" in l]
        self.assertLessEqual(len(unsent), 1, unsent)


if __name__ == "__main__":
    unittest.main()
