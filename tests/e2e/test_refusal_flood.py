"""Refusals a client can provoke at will (issue 13, finding 4): failed authentication is limited
per client IP (429 before the credentials are checked) and both 401s and 429s are logged by
aggregate, at most one line per client IP and kind per interval, instead of one per answer."""
import http.client
import unittest

from harness import Host


def flood(host, path, headers, count):
    conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
    statuses = []
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        statuses.append((resp.status, resp.getheader("Retry-After")))
    conn.close()
    return statuses


class RefusalFlood(unittest.TestCase):
    def setUp(self):
        self.host = Host(extra_env={"MT5BRIDGE_AUTH_FAILURES_PER_IP_PER_MIN": "30"}).start()

    def tearDown(self):
        self.host.stop()

    def lines(self, text):
        return [l for l in self.host.logs().splitlines() if text in l]

    def test_failed_authentication_is_limited_per_ip_and_logged_by_aggregate(self):
        answers = flood(self.host, "/api/mt5/accounts", {"X-API-Key": "wrong-key-0123456789"}, 300)
        statuses = [s for s, _ in answers]
        self.assertIn(401, statuses)
        self.assertIn(429, statuses, "failed authentication is not limited")
        self.assertLessEqual(statuses.count(401), 40)
        self.assertTrue(all(r for s, r in answers if s == 429), "a 429 without Retry-After")
        # Before: one "authentication failed" line and one access line per answer (300 each).
        self.assertLessEqual(len(self.lines('"authentication failed"')), 2)
        access = [l for l in self.lines('"message":"request"') if '"status":"401"' in l or '"status":"429"' in l]
        self.assertLessEqual(len(access), 4, access[:5])
        self.assertTrue(any('"failures":"' in l for l in self.lines('"authentication failed"')))

    def test_rate_limited_answers_are_logged_by_aggregate(self):
        answers = flood(self.host, "/health", {}, 300)
        self.assertIn(429, [s for s, _ in answers])
        self.assertLessEqual(len(self.lines('"rate limit exceeded"')), 2)
        access = [l for l in self.lines('"message":"request"') if '"status":"429"' in l]
        self.assertLessEqual(len(access), 2, access[:5])


if __name__ == "__main__":
    unittest.main()
