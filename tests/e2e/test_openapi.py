"""docs/openapi.json against the host: the document is OpenAPI 3.0, it lists exactly the routes the
host's source registers (no more, no fewer), with the access each route has, every error code the
host can raise, and the real binary serves it and answers in the shapes it documents."""

import json
import os
import re
import unittest

from harness import (SOURCE_DIR, Host, host_route_table, load_scenario, make_jwt, new_user,
                     resolve_ref, schema_errors)

DOC_PATH = os.path.join(SOURCE_DIR, "docs", "openapi.json")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_document():
    with open(DOC_PATH, "rb") as f:
        raw = f.read()
    return raw, json.loads(raw)


def operations(doc):
    """(METHOD, path template, operation, path item) for every operation of the document."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation, item


def source_texts(folder="host"):
    for root, _, files in os.walk(os.path.join(SOURCE_DIR, folder)):
        for name in files:
            if name.endswith(".cpp"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    yield f.read()


def route_access_from_source():
    """(METHOD, path) → open | service | user, from each router.add's Access:: argument."""
    pattern = re.compile(r'router\.add\(\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*Access::(\w+)')
    found = {}
    for text in source_texts():
        for method, path, access in pattern.findall(text):
            found[(method, path)] = access
    return found


def error_codes_from_source():
    """{(status, error_code)} the host code can answer: ApiError literals, the dispatcher's 401
    refusals and the 429 of RateLimitError."""
    codes = set()
    for text in source_texts():
        codes.update((int(s), c) for s, c in re.findall(r'ApiError\(\s*(\d{3}),\s*"([A-Z_]+)"', text))
        codes.update((401, c) for c in re.findall(r'refused\(\s*"([A-Z_]+)"', text))
        if "RateLimitError(" in text:
            codes.add((429, "RATE_LIMITED"))
    return codes


def walk(node, where="#"):
    """Every (json pointer, value) of the document."""
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, where + "/" + key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, "%s/%d" % (where, index))


def documented_codes(doc, response):
    """The error_code enum of one documented response ({} when it has none)."""
    content = resolve_ref(doc, response).get("content", {})
    schema = resolve_ref(doc, content.get("application/json", {}).get("schema", {}))
    parts = [schema] + [resolve_ref(doc, p) for p in schema.get("allOf", [])]
    codes = set()
    for part in parts:
        codes.update(part.get("properties", {}).get("error_code", {}).get("enum", []))
    return codes


class DocumentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.raw, cls.doc = load_document()

    def test_is_an_openapi_3_0_document_in_readable_ascii_json(self):
        self.assertRegex(self.doc["openapi"], r"^3\.0\.\d+$")
        self.assertTrue(self.doc["info"]["title"])
        self.assertTrue(self.doc["info"]["version"])
        # The build cuts the file into raw-string pieces at byte offsets: ASCII keeps each valid.
        self.raw.decode("ascii")
        self.assertEqual(self.raw.decode(), json.dumps(self.doc, indent=2) + "\n",
                         "keep docs/openapi.json formatted as json.dumps(indent=2)")

    def test_lists_exactly_the_routes_the_host_registers(self):
        served = host_route_table()
        self.assertGreaterEqual(len(served), 13, "the route table parse found too few routes")
        documented = {(method, path) for method, path, _, _ in operations(self.doc)}
        self.assertEqual(sorted(served - documented), [], "routes the host serves that the document lacks")
        self.assertEqual(sorted(documented - served), [], "documented routes the host does not serve")

    def test_security_of_each_operation_matches_the_route_access(self):
        access = route_access_from_source()
        for method, path, operation, _ in operations(self.doc):
            with self.subTest(route=(method, path)):
                security = operation.get("security", self.doc.get("security"))
                kind = access[(method, path)]
                if kind == "open":
                    self.assertEqual(security, [])
                elif kind == "service":  # a user token may narrow what the key acts on
                    self.assertIn({"ApiKey": []}, security)
                    self.assertNotIn({"BearerJWT": []}, security)
                else:
                    self.assertIn({"ApiKey": [], "BearerJWT": []}, security)
                    self.assertTrue(all("ApiKey" in option for option in security), "the API key is always needed")
                if kind != "open":
                    self.assertLessEqual({"API_KEY_REQUIRED", "AUTHENTICATION_FAILED"},
                                         documented_codes(self.doc, operation["responses"]["401"]))
                    self.assertIn("429", operation["responses"])
        schemes = self.doc["components"]["securitySchemes"]
        self.assertEqual([schemes["ApiKey"][k] for k in ("type", "in", "name")], ["apiKey", "header", "X-API-Key"])
        self.assertEqual([schemes["BearerJWT"][k] for k in ("type", "scheme", "bearerFormat")],
                         ["http", "bearer", "JWT"])

    def test_every_reference_resolves(self):
        for where, node in walk(self.doc):
            if isinstance(node, dict) and "$ref" in node:
                with self.subTest(at=where):
                    self.assertTrue(node["$ref"].startswith("#/"), node["$ref"])
                    resolve_ref(self.doc, node)  # raises KeyError when dangling

    def test_schemas_keep_the_openapi_3_0_rules_validators_enforce(self):
        for where, node in walk(self.doc):
            if not isinstance(node, dict):
                continue
            with self.subTest(at=where):
                if "$ref" in node:
                    self.assertEqual(set(node), {"$ref"}, "3.0 ignores the siblings of a $ref")
                if isinstance(node.get("required"), list):
                    self.assertTrue(node["required"], "3.0 forbids an empty required list")
                    self.assertEqual(len(node["required"]), len(set(node["required"])))
                if node.get("nullable") is True:
                    self.assertIn("type", node)

    def test_every_path_parameter_is_declared_and_required(self):
        for method, path, operation, item in operations(self.doc):
            declared = {}
            for p in item.get("parameters", []) + operation.get("parameters", []):
                p = resolve_ref(self.doc, p)
                declared[(p["in"], p["name"])] = p
            for name in re.findall(r"\{(\w+)\}", path):
                with self.subTest(route=(method, path), parameter=name):
                    self.assertIn(("path", name), declared)
                    self.assertTrue(declared[("path", name)]["required"])
            for (where, name), p in declared.items():
                if where == "path":
                    self.assertIn("{%s}" % name, path)

    def test_operation_ids_are_unique(self):
        ids = [operation["operationId"] for _, _, operation, _ in operations(self.doc)]
        self.assertEqual(len(ids), len(set(ids)))

    def test_request_bodies_are_closed_json_schemas(self):
        bodies = 0
        for method, path, operation, _ in operations(self.doc):
            if "requestBody" not in operation:
                continue
            bodies += 1
            schema = resolve_ref(self.doc, operation["requestBody"]["content"]["application/json"]["schema"])
            with self.subTest(route=(method, path)):
                self.assertEqual(schema["type"], "object")
                self.assertIs(schema["additionalProperties"], False)
                self.assertLessEqual(set(schema.get("required", [])), set(schema["properties"]))
                self.assertIn("413", operation["responses"])
        self.assertGreaterEqual(bodies, 2)

    def test_every_failure_uses_the_one_error_shape(self):
        error = self.doc["components"]["schemas"]["ErrorResponse"]
        self.assertEqual(set(error["required"]), {"success", "error_code", "error_message", "details", "request_id"})
        shapes = {"#/components/schemas/ErrorResponse", "#/components/schemas/RateLimitedResponse"}
        for method, path, operation, _ in operations(self.doc):
            for status, response in operation["responses"].items():
                # A probe's 503 is its own body (unhealthy, not ready), not an error.
                if int(status) < 400 or (path in ("/health", "/readyz") and status == "503"):
                    continue
                with self.subTest(route=(method, path), status=status):
                    resolved = resolve_ref(self.doc, response)
                    schema = resolved["content"]["application/json"]["schema"]
                    refs = {schema.get("$ref")} | {p.get("$ref") for p in schema.get("allOf", [])}
                    self.assertTrue(shapes & refs, refs)
                    if status != "413":  # answered by the transport, before a request id exists
                        self.assertIn("X-Request-ID", resolved["headers"])
        limited = resolve_ref(self.doc, {"$ref": "#/components/responses/RateLimited"})
        self.assertLessEqual({"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"},
                             set(limited["headers"]))
        body = resolve_ref(self.doc, limited["content"]["application/json"]["schema"])
        self.assertEqual(body["properties"]["error"]["enum"], ["Rate limit exceeded"])
        self.assertIn("retry_after", body["required"])

    def test_every_error_code_the_host_raises_is_documented_with_its_status(self):
        documented = set()
        for _, _, operation, _ in operations(self.doc):
            for status, response in operation["responses"].items():
                documented.update((int(status), code) for code in documented_codes(self.doc, response))
        description = self.doc["info"]["description"]
        for status, code in sorted(error_codes_from_source()):
            with self.subTest(code=code):
                if code in ("NOT_FOUND", "METHOD_NOT_ALLOWED"):  # no route: the description tells
                    self.assertIn("%d %s" % (status, code), description)
                else:
                    self.assertIn((status, code), documented)


class ServedDocumentTest(unittest.TestCase):
    """The running host serves the document and answers in the shapes it describes."""

    @classmethod
    def setUpClass(cls):
        cls.raw, cls.doc = load_document()
        cls.host = Host().start()
        cls.scenario = load_scenario()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def test_get_openapi_json_serves_the_file_publicly(self):
        status, body, headers = self.host.request("GET", "/openapi.json")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertEqual(body, self.doc, "rebuild: the binary embeds docs/openapi.json at build time")

    def documented_response(self, method, path_template, status):
        operation = self.doc["paths"][path_template][method.lower()]
        self.assertIn(str(status), operation["responses"],
                      "%s %s answered an undocumented %s" % (method, path_template, status))
        return resolve_ref(self.doc, operation["responses"][str(status)]), operation

    def check(self, method, path_template, path, body=None, headers=None, expect=None):
        """One request, checked against the document: status documented, body valid, headers."""
        status, payload, got_headers = self.host.request(method, path, body, headers)
        if expect is not None:
            self.assertEqual(status, expect, (method, path, payload))
        response, operation = self.documented_response(method, path_template, status)
        media_type = got_headers["content-type"].split(";")[0]
        self.assertIn(media_type, response.get("content", {}),
                      "%s %s → %s: undocumented %s" % (method, path, status, media_type))
        if media_type == "application/json":
            errors = schema_errors(self.doc, response["content"][media_type]["schema"], payload)
            self.assertEqual(errors, [], "%s %s → %s: %s" % (method, path, status, payload))
        for name in response.get("headers", {}):
            if name == "WWW-Authenticate" and payload.get("error_code") == "API_KEY_REQUIRED":
                continue
            self.assertIn(name.lower(), got_headers, "%s %s → %s lacks %s" % (method, path, status, name))
        return status, payload

    def test_answers_match_the_documented_schemas(self):
        acc = self.scenario["accounts"][0]
        slow = next(a for a in self.scenario["accounts"] if (a.get("knobs") or {}).get("fail") == "timeout")
        user, other = new_user(), new_user()
        as_user, as_other = self.host.auth(user), self.host.auth(other)
        link = {"login": acc["login"], "password": acc["password"], "server": acc["server"], "broker_name": "Demo"}
        for path in ("/health", "/livez", "/readyz", "/metrics", "/openapi.json"):
            self.check("GET", path, path, expect=200)
        c = "/api/mt5/connect"
        self.check("POST", c, c, link, self.host.auth(), expect=200)
        self.check("POST", c, c, dict(link, password="wrong-password"), self.host.auth(), expect=422)
        self.check("POST", c, c, dict(link, login=slow["login"], password=slow["password"]), self.host.auth(),
                   expect=504)
        self.check("POST", c, c, "{", self.host.auth(), expect=400)
        self.check("POST", c, c, link, {}, expect=401)
        a = "/api/mt5/accounts"
        _, created = self.check("POST", a, a, link, as_user, expect=201)
        self.check("POST", a, a, link, as_user, expect=409)
        self.check("POST", a, a, dict(link, user_id=other), as_user, expect=403)
        self.check("GET", a, a, headers=as_user, expect=200)
        self.check("GET", a, a, headers={"X-API-Key": "not-the-key-0123456789abcdef"}, expect=401)
        self.check("GET", a, a, headers=self.host.auth(token=make_jwt(user, exp_in=-3600)), expect=401)
        one = "/api/mt5/accounts/{account_id}"
        account = "/api/mt5/accounts/" + created["account_id"]
        self.check("GET", one, account, headers=as_user, expect=200)
        self.check("GET", one, account, headers=as_other, expect=403)
        self.check("GET", one, "/api/mt5/accounts/" + new_user(), headers=as_user, expect=404)
        self.check("GET", one, "/api/mt5/accounts/nope", headers=as_user, expect=400)
        market = "/api/mt5/account/%s/" % created["account_id"]
        for what in ("info", "positions", "history"):
            self.check("GET", "/api/mt5/account/{account_id}/" + what, market + what, headers=as_user, expect=200)
        history, positions = "/api/mt5/account/{account_id}/history", "/api/mt5/account/{account_id}/positions"
        self.check("GET", history, market + "history?from_date=2025-10-01&to_date=2025-12-01", headers=as_user,
                   expect=200)
        self.check("GET", history, market + "history?from_date=x", headers=as_user, expect=400)
        self.check("GET", positions, market + "positions?type=long", headers=as_user, expect=400)
        sync = "/api/mt5/account/{account_id}/sync"
        status, started = self.check("POST", sync, market + "sync", {"sync_type": "full"}, as_user)
        if status == 202:
            self.check("GET", "/api/mt5/sync/{sync_id}", "/api/mt5/sync/" + started["sync_id"], headers=as_user,
                       expect=200)
            self.check("POST", sync, market + "sync", None, as_user, expect=429)
        self.check("GET", "/api/mt5/sync/{sync_id}", "/api/mt5/sync/" + new_user(), headers=as_user)
        self.check("POST", "/api/mt5/sync/run", "/api/mt5/sync/run", None, self.host.auth())
        export, erase = "/api/mt5/users/{user_id}/export", "/api/mt5/users/{user_id}/data"
        self.check("GET", export, "/api/mt5/users/%s/export" % user, headers=as_user, expect=200)
        self.check("GET", export, "/api/mt5/users/%s/export?format=csv" % user, headers=self.host.auth(), expect=200)
        self.check("GET", export, "/api/mt5/users/%s/export?format=xml" % user, headers=as_user, expect=400)
        self.check("GET", export, "/api/mt5/users/%s/export" % user, headers=as_other, expect=403)
        self.check("DELETE", one, account, headers=as_user, expect=200)
        self.check("GET", "/api/mt5/account/{account_id}/info", market + "info", headers=as_user, expect=404)
        self.check("DELETE", erase, "/api/mt5/users/%s/data" % user, headers=as_other, expect=403)
        self.check("DELETE", erase, "/api/mt5/users/%s/data" % user, headers=as_user, expect=200)


if __name__ == "__main__":
    unittest.main()
