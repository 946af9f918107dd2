#!/usr/bin/env python3
"""Secrets are compared only with mt5b::sdk::constant_time_equal (sdk/include/mt5bridge/secrets.hpp).

Scans the C++ sources of the host, the plugins and the SDK (tests excluded) for
  - memcmp / CRYPTO_memcmp / bcmp / timingsafe_bcmp / strcmp / strncmp anywhere, and
  - `==` / `!=` with an operand whose name says it is a secret (password, secret, token, api
    key, digest, signature, hmac, mac),
and fails naming each place. A line that compares something that only looks secret (a token
count, a key id) says so with a trailing `// not-a-secret: <why>`.

Usage: check_secret_comparisons.py [ROOT]      (exit 1 when anything is found)
       check_secret_comparisons.py --self-test (the checker finds planted comparisons)"""

import os
import re
import sys

SCANNED_DIRS = ("host", "plugins", "sdk/include", "sdk/examples")
SKIPPED_PARTS = {"tests", "test", "build", "fuzz", "bench"}
THE_ONE_PLACE = os.path.join("sdk", "include", "mt5bridge", "secrets.hpp")
SECRET_NAME = re.compile(r"(?i)(password|passwd|secret|token|api_?key|digest|signature|hmac|(?<![a-z])mac)")
BYTE_COMPARES = re.compile(r"\b(CRYPTO_memcmp|memcmp|bcmp|timingsafe_bcmp|strcmp|strncmp)\s*\(")
# An operand ending like this is a property of a secret (its length, emptiness), not the secret.
HARMLESS_TAIL = re.compile(r"(\.|->)(size|length|empty|begin|end|count|kind|type|state|id)\s*\(\s*\)$|"
                           r"(_count|_size|_len|_length|_id|_ids|_ms|_s|_at|_kind|_type|_name|npos|tokens|_mode)$|"
                           r"^(nullptr|NULL|0|true|false)$|^(has|is|use|with)_\w+$|"
                           r"^k[A-Z]\w*$|(Bytes|Size|Length|_bytes)$")
LEFT_OPERAND = re.compile(r"([A-Za-z_][\w.\->\[\]]*(?:\([^()]*\))?)\s*$")
RIGHT_OPERAND = re.compile(r"^\s*\*?([A-Za-z_][\w.\->\[\]]*(?:\([^()]*\))?)")
ALLOW = "// not-a-secret:"


def code_only(line):
    """The line without string literals and its // comment."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def is_secret(operand):
    operand = operand.strip()
    if not operand or HARMLESS_TAIL.search(operand):
        return False
    last = re.split(r"\.|->", re.sub(r"\([^()]*\)$", "", operand))[-1]
    last = re.sub(r"\[.*\]$", "", last)
    return bool(SECRET_NAME.search(last))


def problems_in(path, text):
    found = []
    for number, raw in enumerate(text.splitlines(), 1):
        if ALLOW in raw:
            continue
        line = code_only(raw)
        if BYTE_COMPARES.search(line):
            found.append((path, number, raw.strip(), "byte comparison; use mt5b::sdk::constant_time_equal"))
            continue
        for match in re.finditer(r"(?<![=!<>])(==|!=)(?!=)", line):
            if "operator" in line[:match.start()].split()[-1:]:
                continue
            left = LEFT_OPERAND.search(line[:match.start()])
            right = RIGHT_OPERAND.search(line[match.end():])
            operands = [m.group(1) for m in (left, right) if m]
            if any(is_secret(o) for o in operands):
                found.append((path, number, raw.strip(),
                              "%s on a secret-named value; use mt5b::sdk::constant_time_equal" % match.group(1)))
                break
    return found


def scan(root):
    found = []
    for top in SCANNED_DIRS:
        for directory, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if d not in SKIPPED_PARTS]
            for name in files:
                if not name.endswith((".cpp", ".hpp", ".h", ".cc")) or name.endswith("_test.cpp"):
                    continue
                path = os.path.join(directory, name)
                rel = os.path.relpath(path, root)
                if rel == THE_ONE_PLACE:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    found += problems_in(rel, f.read())
    return found


def self_test():
    planted = {
        "bool a(std::string_view token) { return token == expected_token_; }": 1,
        "if (memcmp(d.data(), k.data(), 32) == 0) ok();": 1,
        "ok = CRYPTO_memcmp(sig, exp, 32) == 0;": 1,
        "if (key_digests_[j] == key_digests_[i]) dup();": 1,
        "if (password != stored.password) refuse();": 1,
        "if (api_key == presented) pass();": 1,
        "if (token.size() == 0) return;": 0,
        "if (token.empty() || tokens == 0) return;": 0,
        "if (key_id == other.key_id) same();": 0,
        "if (constant_time_equal(token, expected_token_)) pass();": 0,
        "if (token_count != 3) fail();": 0,
        "if (has_token == !token_file.empty()) both();": 0,
        "if (signature.size() != kEs256SignatureBytes) return false;": 0,
        "if (signature != kExpectedSignature) return false;": 1,
        'if (name == "password") redact();': 0,
        "if (digest == other) x(); // not-a-secret: both sides are public test vectors": 0,
    }
    failures = 0
    for line, expected in planted.items():
        got = len(problems_in("planted.cpp", line))
        if got != expected:
            failures += 1
            print("self-test: expected %d finding(s), got %d in: %s" % (expected, got, line))
    print("self-test: %d of %d planted lines judged right" % (len(planted) - failures, len(planted)))
    return 1 if failures else 0


def main(argv):
    if argv[1:2] == ["--self-test"]:
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    found = scan(os.path.abspath(root))
    for path, number, line, why in found:
        print("%s:%d: %s\n    %s" % (path, number, why, line))
    if found:
        print("%d secret comparison(s) outside mt5b::sdk::constant_time_equal" % len(found))
        return 1
    print("every secret comparison goes through mt5b::sdk::constant_time_equal")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
