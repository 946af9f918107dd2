"""packaging/nginx/mt5bridge.conf in front of the real host, through a real nginx with a
throwaway certificate: TLS, the HTTP-to-HTTPS redirect, WebSocket upgrades tunnelled, /metrics
kept inside, and api.trusted_proxies deciding when X-Forwarded-For / X-Real-IP name the client."""

import base64
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from harness import API_KEY, SOURCE_DIR, Host, config_text, free_port, json_log_records

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = os.path.join(SOURCE_DIR, "packaging", "nginx", "mt5bridge.conf")
CLIENT = "127.0.0.5"  # the test's own address: loopback, but not the proxy's 127.0.0.1
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Nginx:
    """One nginx running the shipped site with its ports, certificate and upstream replaced."""

    def __init__(self, directory, upstream_port, cert, key):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=directory)
        os.chmod(self.dir, 0o777)  # the worker (nobody) writes its temp files here
        self.tls_port, self.http_port = free_port(), free_port()
        with open(SITE) as f:
            site = f.read()
        site = re.sub(r"(?m)^\s*listen \[::\].*\n", "", site)
        site = site.replace("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % self.tls_port)
        site = site.replace("listen 80;", "listen 127.0.0.1:%d;" % self.http_port)
        site = site.replace("server 127.0.0.1:8000;", "server 127.0.0.1:%d;" % upstream_port)
        site = re.sub(r"ssl_certificate\s+\S+;", "ssl_certificate %s;" % cert, site)
        site = re.sub(r"ssl_certificate_key\s+\S+;", "ssl_certificate_key %s;" % key, site)
        assert str(self.tls_port) in site and str(upstream_port) in site and cert in site, "the site changed shape"
        with open(os.path.join(self.dir, "site.conf"), "w") as f:
            f.write(site)
        temp = " ".join("%s_temp_path %s/%s;" % (t, self.dir, t) for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write("worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\ndaemon off;\n"
                    "events { worker_connections 64; }\n"
                    "http { access_log %s/access.log; %s include %s/site.conf; }\n"
                    % (self.dir, self.dir, self.dir, temp, self.dir))
        test = subprocess.run([NGINX, "-t", "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf")],
                              capture_output=True, text=True, timeout=30)
        assert test.returncode == 0, "nginx -t refused the site:\n" + test.stderr
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.tls_port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise AssertionError("nginx did not start")
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class WebSocketEcho:
    """A minimal WebSocket server (RFC 6455 handshake, one text frame echoed) on loopback."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.headers = None
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            lines = data.split(b"\r\n\r\n")[0].decode().split("\r\n")
            self.headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
            accept = base64.b64encode(hashlib.sha1((self.headers["sec-websocket-key"] + WS_GUID).encode()).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            head = conn.recv(2)
            length = head[1] & 0x7F
            mask = conn.recv(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(conn.recv(length)))
            conn.sendall(bytes([0x81, len(payload)]) + payload)


class NginxProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mt5b-nginx-")
        cls.cert, cls.key = os.path.join(cls.dir, "cert.pem"), os.path.join(cls.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True, timeout=60)
        api = "  service_key_acts_on_any_account: true\n  trusted_proxies: [ \"127.0.0.1\" ]\n"
        cls.host = Host(config_text=config_text(api_yaml=api)).start()
        cls.nginx = Nginx(cls.dir, cls.host.port, cls.cert, cls.key)
        cls.tls = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.host.stop()
        shutil.rmtree(cls.dir, True)

    def https(self, method, path, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.nginx.tls_port, context=self.tls, timeout=30,
                                           source_address=(CLIENT, 0))
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body, {k.lower(): v for k, v in resp.getheaders()}

    def direct(self, host, source, headers):
        conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30, source_address=(source, 0))
        conn.request("GET", "/api/mt5/accounts", headers=headers)
        status = conn.getresponse().status
        conn.close()
        return status

    def client_ip_logged(self, host, request_id):
        """client_ip of the host's access line for `request_id` (an answered request: refusals are
        logged by aggregate, one line per client IP per interval)."""
        deadline = time.time() + 10
        while time.time() < deadline:
            for r in json_log_records(host.logs()):
                if r.get("message") == "request" and r.get("request_id") == request_id:
                    return r["client_ip"]
            time.sleep(0.05)
        raise AssertionError("no access line for " + request_id)

    def test_tls_reaches_the_host(self):
        status, body, headers = self.https("GET", "/health")
        self.assertEqual(status, 200, body)
        self.assertIn(b'"status":"healthy"', body)
        self.assertEqual(headers.get("strict-transport-security"), "max-age=31536000")
        status, body, headers = self.https("GET", "/api/mt5/accounts", {"X-API-Key": API_KEY})
        self.assertEqual(status, 200, body)
        self.assertTrue(headers.get("x-request-id"))

    def test_plain_http_redirects_and_metrics_stay_inside(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.nginx.http_port, timeout=30)
        conn.request("GET", "/health?x=1", headers={"Host": "mt5bridge.example.com"})
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.getheader("Location")), (301, "https://mt5bridge.example.com/health?x=1"))
        conn.close()
        self.assertEqual(self.https("GET", "/metrics")[0], 404)

    def test_the_client_behind_the_proxy_is_the_one_nginx_saw_not_the_one_it_claims(self):
        status, _, _ = self.https("GET", "/api/mt5/accounts",
                                  {"X-API-Key": API_KEY, "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.7",
                                   "X-Request-ID": "via-nginx-1"})
        self.assertEqual(status, 200)
        self.assertEqual(self.client_ip_logged(self.host, "via-nginx-1"), CLIENT)

    def test_headers_from_an_untrusted_peer_are_ignored(self):
        status = self.direct(self.host, CLIENT, {"X-API-Key": API_KEY, "X-Forwarded-For": "6.6.6.6",
                                                 "X-Request-ID": "direct-1"})
        self.assertEqual(status, 200)
        self.assertEqual(self.client_ip_logged(self.host, "direct-1"), CLIENT)
        # The trusted address itself may name the client (that is what trusting it means).
        self.direct(self.host, "127.0.0.1", {"X-API-Key": API_KEY, "X-Real-IP": "198.51.100.7",
                                             "X-Request-ID": "trusted-1"})
        self.assertEqual(self.client_ip_logged(self.host, "trusted-1"), "198.51.100.7")

    def test_without_trusted_proxies_forwarded_headers_are_never_believed(self):
        host = Host().start()
        try:
            self.direct(host, "127.0.0.1", {"X-API-Key": API_KEY, "X-Forwarded-For": "198.51.100.7",
                                            "X-Real-IP": "198.51.100.8", "X-Request-ID": "untrusting-1"})
            self.assertEqual(self.client_ip_logged(host, "untrusting-1"), "127.0.0.1")
        finally:
            host.stop()

    def test_a_websocket_upgrade_is_tunnelled(self):
        echo = WebSocketEcho()
        proxy = Nginx(self.dir, echo.port, self.cert, self.key)
        try:
            raw = socket.create_connection(("127.0.0.1", proxy.tls_port), timeout=10, source_address=(CLIENT, 0))
            with self.tls.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall(("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode())
                answer = b""
                while b"\r\n\r\n" not in answer:
                    answer += s.recv(4096)
                head, _, rest = answer.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
                mask = os.urandom(4)
                s.sendall(bytes([0x81, 0x80 | 5]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"hello")))
                while len(rest) < 7:
                    rest += s.recv(4096)
                self.assertEqual(rest[:7], bytes([0x81, 5]) + b"hello")
            self.assertEqual(echo.headers["upgrade"], "websocket")
            self.assertEqual(echo.headers["x-real-ip"], CLIENT)
            self.assertEqual(echo.headers["x-forwarded-proto"], "https")
        finally:
            proxy.stop()


if __name__ == "__main__":
    unittest.main()
