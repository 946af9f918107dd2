"""Browser-safe access (issue 15, item 5): with api.user_token_alone the routes on a user's own
accounts take the user's Supabase JWT without the service key, so a browser never holds the key;
everything else still needs the key. The real binary over loopback."""

import unittest

from harness import API_KEY, Host, config_text, healthy_demo_account, load_scenario, make_jwt, new_user

ACCOUNT = healthy_demo_account(load_scenario())
ORIGIN = "http://localhost:5173"


def link_body():
    return {"login": ACCOUNT["login"], "password": ACCOUNT["password"], "server": ACCOUNT["server"],
            "broker_name": "Demo Broker Ltd"}


def bearer(user):
    return {"Authorization": "Bearer " + make_jwt(user)}


class UserTokenAlone(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host(config_text=config_text(
            "  user_token_alone: true\n"
            "  cors_origins: [ \"%s\" ]\n"
            "  rate_limits:\n    per_key_per_min: 20\n" % ORIGIN)).start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def test_a_user_links_lists_and_reads_their_account_with_the_token_alone(self):
        user = new_user()
        status, body, _ = self.host.request("POST", "/api/mt5/accounts", link_body(), bearer(user))
        self.assertEqual(status, 201, body)
        account_id = body["account_id"]
        status, body, _ = self.host.request("GET", "/api/mt5/accounts", headers=bearer(user))
        self.assertEqual((status, [a["account_id"] for a in body["accounts"]]), (200, [account_id]))
        status, body, _ = self.host.request("GET", "/api/mt5/accounts/" + account_id, headers=bearer(user))
        self.assertEqual(status, 200, body)
        # Another user's token reaches nothing of it.
        status, body, _ = self.host.request("GET", "/api/mt5/accounts/" + account_id, headers=bearer(new_user()))
        self.assertEqual((status, body["error_code"]), (403, "FORBIDDEN"))

    def test_service_routes_still_need_the_key(self):
        user = new_user()
        for method, path, body in (("POST", "/api/mt5/connect", link_body()), ("POST", "/api/mt5/sync/run", None),
                                   ("GET", "/api/mt5/users/%s/export" % user, None),
                                   ("DELETE", "/api/mt5/users/%s/data" % user, None)):
            status, answer, _ = self.host.request(method, path, body, bearer(user))
            self.assertEqual((status, answer["error_code"]), (401, "API_KEY_REQUIRED"), path)

    def test_a_wrong_key_beside_a_good_token_is_refused(self):
        headers = dict(bearer(new_user()), **{"X-API-Key": "not-the-key-0123456789abcdef"})
        status, body, _ = self.host.request("GET", "/api/mt5/accounts", headers=headers)
        self.assertEqual(status, 401, body)

    def test_a_forged_token_alone_is_refused(self):
        status, body, _ = self.host.request("GET", "/api/mt5/accounts",
                                            headers={"Authorization": "Bearer " + make_jwt(new_user(), secret="x" * 40)})
        self.assertEqual((status, body["error_code"]), (401, "AUTHENTICATION_FAILED"))

    def test_cors_answers_the_configured_origin(self):
        status, _, headers = self.host.request("OPTIONS", "/api/mt5/accounts",
                                               headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 204)
        self.assertIn("Authorization", headers["access-control-allow-headers"])
        _, _, headers = self.host.request("GET", "/api/mt5/accounts", headers=dict(bearer(new_user()), Origin=ORIGIN))
        self.assertEqual(headers.get("access-control-allow-origin"), ORIGIN)
        _, _, headers = self.host.request("GET", "/api/mt5/accounts",
                                          headers=dict(bearer(new_user()), Origin="https://evil.example"))
        self.assertNotIn("access-control-allow-origin", headers)

    def test_each_user_is_a_rate_limit_bucket(self):
        user = new_user()
        statuses = [self.host.request("GET", "/api/mt5/accounts", headers=bearer(user))[0] for _ in range(21)]
        self.assertEqual(statuses[:20], [200] * 20)
        self.assertEqual(statuses[20], 429)
        self.assertEqual(self.host.request("GET", "/api/mt5/accounts", headers=bearer(new_user()))[0], 200)


class UserTokenNeedsTheKeyByDefault(unittest.TestCase):
    def test_the_token_alone_is_refused_unless_configured(self):
        host = Host().start()
        try:
            status, body, _ = host.request("GET", "/api/mt5/accounts", headers=bearer(new_user()))
            self.assertEqual((status, body["error_code"]), (401, "API_KEY_REQUIRED"))
            status, _, _ = host.request("GET", "/api/mt5/accounts", headers=dict(bearer(new_user()), **{"X-API-Key": API_KEY}))
            self.assertEqual(status, 200)
        finally:
            host.stop()


if __name__ == "__main__":
    unittest.main()
