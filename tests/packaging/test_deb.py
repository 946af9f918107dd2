#!/usr/bin/python3
"""The Debian packages on this machine, as an operator meets them: lintian, dpkg -i, the unit
checked by systemd-analyze, the installed binary run as the package's user with the installed
configuration the way the unit starts it (sd_notify READY, SIGHUP, SIGTERM), an upgrade over
itself that keeps a changed conffile and the data, then remove and purge; mt5bridge-dev's SDK.

Needs root (dpkg) and the packages built (packaging/build-deb.sh, or cpack in the build tree,
which this test runs). Refuses to touch a machine where mt5bridge is already installed."""

import glob
import grp
import http.client
import json
import os
import pwd
import re
import socket
import stat
import subprocess
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("MT5BRIDGE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("MT5BRIDGE_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
PACKAGES = os.path.join(BUILD_DIR, "packages")
UNIT = "/lib/systemd/system/mt5bridge.service"
# Lintian tags this package reports on purpose, each with the reason (packaging/deb/lintian.md).
EXPLAINED = set(re.findall(r"(?m)^- `([a-z0-9-]+)`", open(os.path.join(SOURCE_DIR, "packaging", "deb", "lintian.md")).read()))


def run(*args, check=True, **kw):
    out = subprocess.run(list(args), capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)
    if check and out.returncode != 0:
        raise AssertionError("%s exited %s:\n%s%s" % (" ".join(args), out.returncode, out.stdout, out.stderr))
    return out


def installed(name):
    out = run("dpkg-query", "-W", "-f=${Status}", name, check=False)
    return "installed" in out.stdout and "not-installed" not in out.stdout


def env_file():
    values = {}
    with open("/etc/mt5bridge/env") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                values[k] = v
    return values


@unittest.skipUnless(os.geteuid() == 0, "dpkg -i needs root")
class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for name in ("mt5bridge", "mt5bridge-dev"):
            if installed(name):
                raise unittest.SkipTest("%s is installed on this machine already; not touching it" % name)
        for old in glob.glob(os.path.join(PACKAGES, "*.deb")):
            os.remove(old)
        run("cpack", "-G", "DEB", "--config", "CPackConfig.cmake", cwd=BUILD_DIR, timeout=600)
        with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
            version = re.search(r"project\(mt5bridge VERSION (\S+)", f.read()).group(1)
        cls.deb = os.path.join(PACKAGES, "mt5bridge_%s_amd64.deb" % version)
        cls.dev = os.path.join(PACKAGES, "mt5bridge-dev_%s_amd64.deb" % version)

    @classmethod
    def tearDownClass(cls):
        for name in ("mt5bridge", "mt5bridge-dev"):
            if installed(name):
                run("dpkg", "--purge", name, check=False)

    def test_1_lintian_reports_nothing_unexplained(self):
        for deb in (self.deb, self.dev):
            self.assertTrue(os.path.exists(deb), deb)
            out = run("lintian", "--no-tag-display-limit", deb, check=False, timeout=300)
            tags = set(re.findall(r"(?m)^[EWI]: [^:]+: ([a-z0-9-]+)", out.stdout))
            self.assertFalse(tags - EXPLAINED, "unexplained lintian tags in %s:\n%s" % (deb, out.stdout))

    def serve_as_the_unit_would(self, port):
        """Starts /usr/bin/mt5bridge as the unit does; returns (process, notify socket)."""
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        path = os.path.join(tempfile.mkdtemp(prefix="mt5b-notify-"), "notify")
        notify.bind(path)
        self.addCleanup(notify.close)
        os.chmod(os.path.dirname(path), 0o755)
        os.chmod(path, 0o777)  # the service user sends to it
        notify.settimeout(30)
        env = {"PATH": "/usr/bin:/bin", "MT5BRIDGE_CONFIG": "/etc/mt5bridge/mt5bridge.yaml",
               "NOTIFY_SOCKET": path, "MT5BRIDGE_LISTEN": "127.0.0.1:%d" % port}
        env.update(env_file())
        as_user = ["setpriv", "--reuid=mt5bridge", "--regid=mt5bridge", "--init-groups", "--no-new-privs"]
        check = run(*as_user, "/usr/bin/mt5bridge", "check-config", env=env, cwd="/var/lib/mt5bridge", check=False)
        self.assertEqual(check.returncode, 0, check.stderr)
        proc = subprocess.Popen(as_user + ["/usr/bin/mt5bridge", "serve"], env=env, cwd="/var/lib/mt5bridge",
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc, notify, env

    def request(self, port, path, key=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"X-API-Key": key} if key else {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body

    def test_2_install_run_upgrade_remove_purge(self):
        run("dpkg", "-i", self.deb, timeout=300)
        user = pwd.getpwnam("mt5bridge")
        group = grp.getgrnam("mt5bridge")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        for path, mode in (("/etc/mt5bridge/mt5bridge.yaml", 0o640), ("/etc/mt5bridge/env", 0o640),
                           ("/etc/mt5bridge/gateway-t1.token", 0o640)):
            st = os.stat(path)
            self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (mode, 0, group.gr_gid), path)
        self.assertIn("/etc/mt5bridge/mt5bridge.yaml", run("dpkg-query", "-W", "-f=${Conffiles}", "mt5bridge").stdout)
        secrets = env_file()
        self.assertGreaterEqual(len(secrets["ENCRYPTION_KEY"]), 40, "a fresh random key was written")
        for plugin in ("storage-sqlite", "storage-postgres", "auth-apikey", "auth-jwt", "broker-mt5", "transport-http"):
            self.assertTrue(os.path.exists("/usr/lib/mt5bridge/plugins/%s.so" % plugin), plugin)
        self.assertTrue(os.path.exists("/usr/share/mt5bridge/gateway/mt5_gateway.py"))
        self.assertTrue(os.path.exists("/usr/share/man/man8/mt5bridge.8.gz"))
        self.assertTrue(os.path.exists("/usr/share/mt5bridge/nginx/mt5bridge.conf"))
        self.assertIn("storage-sqlite", run("/usr/bin/mt5bridge", "plugins").stdout, "plugins are found without config")

        verify = run("systemd-analyze", "verify", UNIT, check=False)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        with open(UNIT) as f:
            unit = f.read()
        for line in ("Type=notify", "ProtectSystem=strict", "NoNewPrivileges=true", "LimitNOFILE=65536",
                     "StateDirectory=mt5bridge", "ExecStartPre=/usr/bin/mt5bridge check-config",
                     "ExecReload=/bin/kill -HUP $MAINPID", "User=mt5bridge"):
            self.assertIn(line + "\n", unit)

        # The operator's step: the gateway's certificate fingerprint (docs/deployment.md).
        with open("/etc/mt5bridge/env") as f:
            text = f.read()
        with open("/etc/mt5bridge/env", "w") as f:
            f.write(text.replace("MT5_GATEWAY_1_FINGERPRINT=", "MT5_GATEWAY_1_FINGERPRINT=" + "ab" * 32))
        port = free_port()
        proc, notify, env = self.serve_as_the_unit_would(port)
        self.assertIn(b"READY=1", notify.recv(4096), "sd_notify READY once listening")
        status, body = self.request(port, "/api/mt5/accounts", env["MT5_SERVICE_API_KEY"])
        self.assertEqual(status, 200, body)
        self.assertEqual(self.request(port, "/livez")[0], 200)
        db = "/var/lib/mt5bridge/mt5bridge.db"
        audit = glob.glob("/var/log/mt5bridge/audit_*.log")
        self.assertEqual(len(audit), 1, "the audit stream writes its dated file")
        with open(audit[0]) as f:
            self.assertIn('"event":"auth.success"', f.read())
        self.assertEqual(os.stat(db).st_uid, user.pw_uid, "the data belongs to the service user")
        proc.send_signal(1)  # ExecReload
        self.assertIn(b"RELOADING=1", notify.recv(4096))
        self.assertIn(b"READY=1", notify.recv(4096))
        self.assertEqual(self.request(port, "/livez")[0], 200, "alive after a reload")
        proc.terminate()
        self.assertIn(b"STOPPING=1", notify.recv(4096))
        self.assertEqual(proc.wait(timeout=30), 0, proc.stderr.read().decode())
        proc.stderr.close()

        # Upgrade over itself: a changed conffile, the secrets and the data stay.
        with open("/etc/mt5bridge/mt5bridge.yaml", "a") as f:
            f.write("# changed by the operator\n")
        size = os.path.getsize(db)
        run("dpkg", "-i", self.deb, timeout=300)
        with open("/etc/mt5bridge/mt5bridge.yaml") as f:
            self.assertIn("# changed by the operator", f.read())
        self.assertEqual(env_file()["ENCRYPTION_KEY"], secrets["ENCRYPTION_KEY"])
        self.assertEqual(os.path.getsize(db), size)

        run("dpkg", "--remove", "mt5bridge")
        self.assertFalse(os.path.exists("/usr/bin/mt5bridge"))
        self.assertTrue(os.path.exists("/etc/mt5bridge/mt5bridge.yaml"), "remove keeps the configuration")
        self.assertTrue(os.path.exists(db), "remove keeps the data")
        run("dpkg", "--purge", "mt5bridge")
        for gone in ("/etc/mt5bridge", "/var/lib/mt5bridge", UNIT):
            self.assertFalse(os.path.exists(gone), gone)

    def test_3_the_dev_package_holds_the_sdk(self):
        run("dpkg", "-i", self.dev, timeout=300)
        self.assertTrue(os.path.exists("/usr/include/mt5bridge/abi.h"))
        self.assertTrue(glob.glob("/usr/lib/cmake/mt5bridge-sdk/mt5bridge-sdk-config.cmake"))
        self.assertTrue(os.path.exists("/usr/bin/mt5bridge-storage-conformance"))
        run("dpkg", "--purge", "mt5bridge-dev")
        self.assertFalse(os.path.exists("/usr/include/mt5bridge/abi.h"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    unittest.main(verbosity=2)
