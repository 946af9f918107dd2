#!/usr/bin/python3
"""Asymmetric Supabase tokens end to end (issue 15, item 1): the real binary with auth-jwt
reading a JWKS from a local HTTP server; tokens made by PyJWT (Debian's python3-jwt), as a
Supabase project signs them since its move to asymmetric keys (ES256 or RS256, kid in the
header). Rotation, refresh limits, a failing or hanging issuer, and every forgery of the HS256
suite redone against the public keys."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest
import uuid

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from harness import API_KEY, JWT_SECRET, Host, b64url, config_text, new_user

ISSUER = "https://abcdefghijklmnop.supabase.co/auth/v1"


class Issuer:
    """The project's /auth/v1/.well-known/jwks.json on loopback: the test sets what it serves,
    how (status, delay) and counts fetches."""

    def __init__(self):
        self.keys = {}  # kid -> public JWK dict
        self.status = 200
        self.delay_s = 0.0
        self.padding = 0
        self.fetches = 0
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                issuer.fetches += 1
                if issuer.delay_s:
                    time.sleep(issuer.delay_s)
                body = json.dumps({"keys": list(issuer.keys.values()), "pad": "x" * issuer.padding}).encode()
                self.send_response(issuer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except BrokenPipeError:  # the host gave up on a hanging fetch, as it should
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/auth/v1/.well-known/jwks.json" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, kid, private_key):
        algorithm = ECAlgorithm if isinstance(private_key, ec.EllipticCurvePrivateKey) else RSAAlgorithm
        jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
        jwk.update({"kid": kid, "use": "sig", "alg": "ES256" if algorithm is ECAlgorithm else "RS256"})
        self.keys[kid] = jwk

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def claims(sub, exp_in=3600, **extra):
    now = int(time.time())
    payload = {"sub": sub, "role": "authenticated", "aud": "authenticated", "iss": ISSUER,
               "iat": now, "exp": now + exp_in, "session_id": str(uuid.uuid4())}
    payload.update(extra)
    return payload


def sign(private_key, kid, sub, alg=None, **extra):
    alg = alg or ("ES256" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "RS256")
    return jwt.encode(claims(sub, **extra), private_key, algorithm=alg, headers={"kid": kid})


def auth_block(issuer_url, extra=""):
    return ("    - plugin: auth-jwt\n"
            "      hs256_secret: \"${SUPABASE_JWT_SECRET}\"\n"
            "      audience: authenticated\n"
            "      issuer: %s\n"
            "      jwks_url: \"%s\"\n"
            "      jwks_min_refresh_s: 1\n"
            "      jwks_timeout_ms: 600\n"
            "      jwks_max_bytes: 20000\n%s" % (ISSUER, issuer_url, extra))


def host_config(issuer_url):
    text = config_text("  service_key_acts_on_any_account: false\n  rate_limits:\n    per_key_per_min: 1000000\n")
    start = text.index("    - plugin: auth-jwt\n")
    end = text.index("  brokers:")
    return text[:start] + auth_block(issuer_url) + text[end:]


class AsymmetricTokensEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.issuer = Issuer()
        cls.ec_key = ec.generate_private_key(ec.SECP256R1())
        cls.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.issuer.publish("ec-2025", cls.ec_key)
        cls.issuer.publish("rsa-2025", cls.rsa_key)
        cls.host = Host(config_text=host_config(cls.issuer.url)).start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()
        cls.issuer.close()

    def status_of(self, token, api_key=API_KEY):
        headers = {"Authorization": "Bearer " + token}
        if api_key:
            headers["X-API-Key"] = api_key
        status, body, _ = self.host.request("GET", "/api/mt5/accounts", headers=headers)
        return status, body

    def assert_accepted(self, token):
        status, body = self.status_of(token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accounts"], [])

    def assert_refused(self, token, why=""):
        status, body = self.status_of(token)
        self.assertEqual(status, 401, "%s: %s" % (why, body))
        self.assertEqual(body["error_code"], "INVALID_TOKEN", why)

    def test_accepts_es256_and_rs256_tokens_made_by_pyjwt(self):
        self.assert_accepted(sign(self.ec_key, "ec-2025", new_user()))
        self.assert_accepted(sign(self.rsa_key, "rsa-2025", new_user()))

    def test_still_accepts_hs256_tokens_signed_with_the_legacy_secret(self):
        token = jwt.encode(claims(new_user()), JWT_SECRET, algorithm="HS256")
        self.assert_accepted(token)

    def test_rotation_accepts_old_and_new_kid_during_the_overlap(self):
        new_key = ec.generate_private_key(ec.SECP256R1())
        old_token = sign(self.ec_key, "ec-2025", new_user())
        self.assert_accepted(old_token)
        # The project publishes its standby key, then starts signing with it.
        self.issuer.publish("ec-2026", new_key)
        time.sleep(1.1)  # past jwks_min_refresh_s since the last fetch
        self.assert_accepted(sign(new_key, "ec-2026", new_user()))
        self.assert_accepted(sign(self.ec_key, "ec-2025", new_user()))
        # The old key is revoked; the next refresh (here forced by an unknown kid) drops it.
        del self.issuer.keys["ec-2025"]
        try:
            time.sleep(1.1)
            self.assert_refused(sign(new_key, "ec-unknown", new_user()), "unknown kid")
            self.assert_refused(sign(self.ec_key, "ec-2025", new_user()), "revoked kid")
            self.assert_accepted(sign(new_key, "ec-2026", new_user()))
        finally:
            self.issuer.publish("ec-2025", self.ec_key)
            time.sleep(1.1)
            self.assert_accepted(sign(self.ec_key, "ec-2025", new_user()))  # unknown again: refetched

    def test_unknown_kids_fetch_at_most_once_per_interval(self):
        time.sleep(1.1)
        before = self.issuer.fetches
        for i in range(20):
            self.assert_refused(sign(self.ec_key, "made-up-%d" % i, new_user()), "made-up kid")
        self.assertEqual(self.issuer.fetches - before, 1)

    def test_forgeries_are_refused(self):
        user = new_user()
        good = sign(self.ec_key, "ec-2025", user)
        head, body, sig = good.split(".")
        public_pem = self.ec_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        rsa_pem = self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

        def unsigned(header, payload):
            return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())

        def hmac_signed(header, key):
            signing_input = unsigned(header, claims(user))
            return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())

        der = self.ec_key.sign((head + "." + body).encode(), ec.ECDSA(hashes.SHA256()))
        other_ec = ec.generate_private_key(ec.SECP256R1())
        forged = {
            "alg none": unsigned({"alg": "none", "kid": "ec-2025"}, claims(user)) + ".",
            "HS256 with the EC public key as secret": hmac_signed({"alg": "HS256", "kid": "ec-2025", "typ": "JWT"}, public_pem),
            "HS256 with the RSA public key as secret": hmac_signed({"alg": "HS256", "kid": "rsa-2025"}, rsa_pem),
            "wrong kid": sign(self.ec_key, "rsa-2025", user, alg="ES256"),
            "RS256 header naming the EC key": sign(self.rsa_key, "ec-2025", user),
            "signed by another key under a known kid": sign(other_ec, "ec-2025", user),
            "expired": sign(self.ec_key, "ec-2025", user, exp_in=-3600),
            "bad signature": head + "." + body + "." + sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB"),
            "payload swapped": head + "." + b64url(json.dumps(claims(new_user())).encode()) + "." + sig,
            "ES256 signature in DER": head + "." + body + "." + b64url(der),
            "no kid": jwt.encode(claims(user), self.ec_key, algorithm="ES256"),
            "anon role": sign(self.ec_key, "ec-2025", user, role="anon"),
            "another issuer": sign(self.ec_key, "ec-2025", user, iss="https://other.supabase.co/auth/v1"),
        }
        for why, token in forged.items():
            self.assert_refused(token, why)
        logs = self.host.logs()
        for token in forged.values():
            self.assertNotIn(token, logs)

    def test_keys_are_kept_when_the_issuer_fails_or_sends_too_much(self):
        token_user = new_user()
        try:
            for failure in ("status", "size"):
                if failure == "status":
                    self.issuer.status = 503
                else:
                    self.issuer.status, self.issuer.padding = 200, 30000
                time.sleep(1.1)
                before = self.issuer.fetches
                self.assert_refused(sign(self.ec_key, "made-up-" + failure, token_user), "unknown kid")
                self.assertEqual(self.issuer.fetches - before, 1)
                self.assert_accepted(sign(self.ec_key, "ec-2025", new_user()))
                self.assert_accepted(sign(self.rsa_key, "rsa-2025", new_user()))
        finally:
            self.issuer.status, self.issuer.padding = 200, 0
        logs = self.host.logs()
        self.assertIn("JWKS refresh failed, keeping the keys held: fetching the JWKS failed: the server answered HTTP 503", logs)
        self.assertIn("the answer is larger than 20000 bytes", logs)

    def test_a_hanging_issuer_never_stalls_requests(self):
        time.sleep(1.1)
        self.issuer.delay_s = 3.0
        try:
            started = time.monotonic()
            self.assert_refused(sign(self.ec_key, "made-up-slow", new_user()), "unknown kid")
            unknown_took = time.monotonic() - started
            # A request with an unknown kid waits at most jwks_timeout_ms for the refresh.
            self.assertLess(unknown_took, 1.5)
            # Requests with known kids never wait, even while the fetch hangs.
            started = time.monotonic()
            for _ in range(10):
                self.assert_accepted(sign(self.ec_key, "ec-2025", new_user()))
            self.assertLess(time.monotonic() - started, 1.0)
        finally:
            self.issuer.delay_s = 0.0
        time.sleep(0.5)
        self.assertIn("no answer within 600 ms", self.host.logs())


if __name__ == "__main__":
    unittest.main()
