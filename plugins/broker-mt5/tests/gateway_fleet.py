#!/usr/bin/env python3
"""Starts N real MT5 gateways with the fake MetaTrader5 module, runs a command against them as
broker-mt5 terminals, and stops them.

Each gateway listens on a free loopback port with TLS (a throwaway self-signed certificate made
with the openssl CLI) and a random token in a token file. The broker-mt5 config naming them
(terminals t1..tN with token_file and ca_file) is written to a file; in the command, `{config}`
is replaced by that file's path and `{dir}` by the work directory. The command's exit code is
returned; on failure the tail of each gateway's log is printed.

    gateway_fleet.py --terminals 3 --scenario config/scenarios/demo.json -- \
        mt5bridge-broker-conformance --plugin broker-mt5.so --config @{config} --scenario ...
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GATEWAY = os.path.join(os.path.dirname(HERE), "gateway", "mt5_gateway.py")
FAKE_MODULE = "fake_mt5.MetaTrader5"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terminals", type=int, default=3, help="gateways to start")
    parser.add_argument("--scenario", required=True, help="scenario file the fake replays")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=JSON",
                        help="a broker-mt5 option for the config, e.g. call_timeout_ms=5000")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment for the gateways, e.g. MT5_FAKE_CRASH_AFTER_CALLS=5")
    parser.add_argument("--log-level", default="info", help="the gateways' log level")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the command to run ({config}, {dir} substituted)")
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("give the command to run after --")
    return args


def make_certificate(folder):
    cert, key = os.path.join(folder, "gateway.crt"), os.path.join(folder, "gateway.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-sha256", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


def make_token_file(folder):
    path = os.path.join(folder, "gateway.token")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(24) + "\n")
    os.chmod(path, 0o600)
    return path


class Gateway:
    """One gateway process; its JSON log (stderr) goes to a file read for the port."""

    def __init__(self, folder, name, cert, key, token_file, scenario, env, log_level):
        self.name = name
        # Below info the gateway does not log its port, so the port is chosen here.
        self.quiet = log_level not in ("debug", "info")
        self.port = free_port() if self.quiet else None
        self.log_path = os.path.join(folder, name + ".log")
        self._log = open(self.log_path, "wb")
        command = [sys.executable, GATEWAY, "--host", "127.0.0.1", "--port", str(self.port or 0),
                   "--mt5-module", FAKE_MODULE, "--cert", cert, "--key", key,
                   "--token-file", token_file, "--log-level", log_level]
        environment = dict(os.environ, MT5_FAKE_SCENARIO=os.path.abspath(scenario),
                           PYTHONDONTWRITEBYTECODE="1")
        environment.pop("MT5_GATEWAY_TOKEN", None)
        environment.update(env)
        self.process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self._log)

    def wait_listening(self, deadline):
        if self.quiet:
            return self._wait_connectable(deadline)
        while time.monotonic() < deadline:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("event") == "listening":
                        self.port = event["port"]
                        return
            if self.process.poll() is not None:
                raise RuntimeError("gateway %s exited with %s before listening:\n%s"
                                   % (self.name, self.process.returncode, self.tail()))
            time.sleep(0.05)
        raise RuntimeError("gateway %s did not listen in time:\n%s" % (self.name, self.tail()))

    def _wait_connectable(self, deadline):
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("gateway %s exited with %s before listening:\n%s"
                                   % (self.name, self.process.returncode, self.tail()))
            time.sleep(0.05)
        raise RuntimeError("gateway %s did not listen in time:\n%s" % (self.name, self.tail()))

    def tail(self, lines=20):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def free_port():
    """A port free right now (the OS picks it); the gateway binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plugin_config(gateways, cert, token_file, options):
    config = {"terminals": [{"name": g.name, "host": "127.0.0.1", "port": g.port,
                             "token_file": token_file, "ca_file": cert} for g in gateways]}
    for option in options:
        key, _, value = option.partition("=")
        config[key] = json.loads(value)
    return config


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    folder = tempfile.mkdtemp(prefix="mt5-gateway-fleet-")
    gateways = []
    code = 1
    try:
        cert, key = make_certificate(folder)
        token_file = make_token_file(folder)
        env = dict(item.split("=", 1) for item in args.env)
        for i in range(args.terminals):
            gateways.append(Gateway(folder, "t%d" % (i + 1), cert, key, token_file,
                                    args.scenario, env, args.log_level))
        deadline = time.monotonic() + 30
        for g in gateways:
            g.wait_listening(deadline)
        config_path = os.path.join(folder, "broker-mt5.json")
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(plugin_config(gateways, cert, token_file, args.option), handle, indent=2)
        command = [part.replace("{config}", config_path).replace("{dir}", folder)
                   for part in args.command]
        sys.stdout.flush()
        code = subprocess.call(command)
        if code != 0:
            for g in gateways:
                print("# --- last lines of gateway %s's log ---\n%s" % (g.name, g.tail()),
                      file=sys.stderr)
    finally:
        for g in gateways:
            g.stop()
        if args.keep:
            print("# work directory kept: %s" % folder, file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
