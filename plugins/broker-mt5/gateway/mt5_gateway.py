#!/usr/bin/env python3
"""MT5 gateway: serves one MetaTrader 5 terminal to the broker-mt5 plugin.

Runs beside the terminal (on Windows, or under Wine) and speaks line-delimited JSON RPC over
TLS, authenticated by a shared token: docs/mt5-gateway-protocol.md is the contract and
docs/mt5-gateway.md the operator guide. Standard library only, plus the `MetaTrader5` package
(or, for tests, any module named by --mt5-module).

    python mt5_gateway.py --cert gateway.crt --key gateway.key --token-file token.txt \
        --host 0.0.0.0 --port 18765 --terminal-path "C:/Program Files/MetaTrader 5/terminal64.exe"
    python mt5_gateway.py --self-test --terminal-path ...
"""

import argparse
import importlib
import json
import os
import signal
import ssl
import stat
import sys
import threading

# The helper modules sit beside this file; make them importable however it is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gateway_log import make_logger  # noqa: E402
from gateway_admission import Limits  # noqa: E402
from gateway_methods import (DEFAULT_MAX_TIMEOUT_MS, GATEWAY_VERSION, Methods,  # noqa: E402
                             RpcError)
from gateway_server import GatewayServer  # noqa: E402
from terminal_worker import CallTimedOut, TerminalBusy, TerminalWorker  # noqa: E402

DEFAULT_PORT = 18765
MIN_TOKEN_LENGTH = 16
TOKEN_ENV = "MT5_GATEWAY_TOKEN"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# TLS 1.2 suites with forward secrecy and authenticated encryption only.
DEFAULT_TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="mt5_gateway.py",
        description="Serves one MetaTrader 5 terminal to the broker-mt5 plugin over TLS "
                    "(docs/mt5-gateway.md).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="TCP port (default %d; 0 picks a free one)" % DEFAULT_PORT)
    parser.add_argument("--cert", help="PEM certificate (chain) the gateway presents")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--token-file",
                        help="file holding the shared token (else env %s)" % TOKEN_ENV)
    parser.add_argument("--insecure-plaintext", action="store_true",
                        help="serve plain TCP without TLS (framing tests only; never in "
                             "production)")
    parser.add_argument("--terminal-path",
                        help="terminal64.exe to start and attach to (passed to initialize; "
                             "clients cannot choose it)")
    parser.add_argument("--portable", action="store_true",
                        help="start the terminal in portable mode (data beside terminal64.exe)")
    parser.add_argument("--mt5-module", default="MetaTrader5",
                        help="module to import in place of MetaTrader5 (tests use the fake)")
    parser.add_argument("--history-time-arg", choices=("datetime", "int"), default="datetime",
                        help="how history date ranges are passed to the package: aware UTC "
                             "datetime (default) or plain epoch seconds")
    parser.add_argument("--max-timeout-ms", type=int, default=DEFAULT_MAX_TIMEOUT_MS,
                        help="largest timeout= handed to the package's initialize/login; a "
                             "client's timeout_ms above it is lowered to it (default %d)"
                             % DEFAULT_MAX_TIMEOUT_MS)
    parser.add_argument("--tls-min-version", choices=("1.2", "1.3"), default="1.2",
                        help="oldest TLS version accepted (default 1.2)")
    parser.add_argument("--tls-ciphers", default=DEFAULT_TLS12_CIPHERS,
                        help="OpenSSL cipher list for TLS 1.2; only ECDHE key exchange with AEAD "
                             "ciphers is accepted (default %s); TLS 1.3 suites are all "
                             "forward-secret" % DEFAULT_TLS12_CIPHERS)
    parser.add_argument("--client-ca",
                        help="PEM CA file: clients must present a certificate it signed "
                             "(mutual TLS), in addition to the token")
    parser.add_argument("--max-connections", type=int, default=16,
                        help="authenticated connections served at once (default 16)")
    parser.add_argument("--max-unauthenticated", type=int, default=64,
                        help="connections that have not said hello yet, in total (default 64)")
    parser.add_argument("--max-unauthenticated-per-address", type=int, default=8,
                        help="connections that have not said hello yet, per source address "
                             "(default 8)")
    parser.add_argument("--hello-timeout-s", type=float, default=10.0,
                        help="time from connecting to a valid hello, TLS handshake included "
                             "(default 10)")
    parser.add_argument("--wrong-token-delay-ms", type=int, default=1000,
                        help="delay before answering a wrong token (default 1000)")
    parser.add_argument("--wrong-tokens-to-block", type=int, default=10,
                        help="wrong tokens from one address within a minute after which it is "
                             "refused for a minute (default 10)")
    parser.add_argument("--idle-timeout-s", type=float, default=900.0,
                        help="close an authenticated connection silent this long")
    parser.add_argument("--log-level", default="info",
                        choices=("debug", "info", "warning", "error"))
    parser.add_argument("--log-file", help="write JSON log lines here (rotated) instead of "
                                           "stderr")
    parser.add_argument("--self-test", action="store_true",
                        help="initialize the terminal, print terminal_info and version as "
                             "JSON, shut down and exit (0 when it worked)")
    parser.add_argument("--version", action="version", version=GATEWAY_VERSION)
    return parser.parse_args(argv)


class StartupError(Exception):
    """A setup problem the operator must fix; the message says how."""


def read_token(token_file, log):
    if token_file:
        try:
            # utf-8-sig: Notepad may start the file with a byte-order mark.
            with open(token_file, "r", encoding="utf-8-sig") as handle:
                token = handle.read().strip()
        except OSError as error:
            raise StartupError("cannot read --token-file '%s': %s" % (token_file,
                                                                       error.strerror))
        except UnicodeDecodeError:
            raise StartupError("--token-file '%s' is not UTF-8 text; Windows PowerShell's `>` "
                               "writes UTF-16, so write it with `Out-File -Encoding ascii`"
                               % token_file)
        if os.name == "posix" and os.stat(token_file).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("token file is readable by other users; chmod 600 it",
                        file=token_file)
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise StartupError("no token: give --token-file FILE or set %s" % TOKEN_ENV)
    if len(token) < MIN_TOKEN_LENGTH:
        raise StartupError("the token is shorter than %d characters; make one with "
                           "`openssl rand -hex 32`" % MIN_TOKEN_LENGTH)
    return token


def make_ssl_context(cert, key, min_version="1.2", ciphers=DEFAULT_TLS12_CIPHERS,
                     client_ca=None):
    if not cert or not key:
        raise StartupError("give --cert and --key (PEM files; see docs/mt5-gateway.md), or "
                           "--insecure-plaintext for framing tests only")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = (ssl.TLSVersion.TLSv1_3 if min_version == "1.3"
                               else ssl.TLSVersion.TLSv1_2)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.options |= getattr(ssl, "OP_NO_RENEGOTIATION", 0)
    try:
        context.set_ciphers(ciphers)
    except ssl.SSLError:
        raise StartupError("--tls-ciphers '%s' selects no cipher OpenSSL knows; use the "
                           "default %s" % (ciphers, DEFAULT_TLS12_CIPHERS))
    weak = [c["name"] for c in context.get_ciphers()
            if c.get("protocol") != "TLSv1.3" and (c.get("kea") != "kx-ecdhe"
                                                   or not c.get("aead"))]
    if weak:
        raise StartupError("--tls-ciphers '%s' allows %s, without forward secrecy (ECDHE) or "
                           "an AEAD cipher; use the default %s"
                           % (ciphers, ", ".join(weak[:5]), DEFAULT_TLS12_CIPHERS))
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise StartupError("cannot load the certificate '%s' with key '%s': %s; check both "
                           "are PEM files and the key belongs to the certificate"
                           % (cert, key, error))
    if client_ca:
        try:
            context.load_verify_locations(cafile=client_ca)
        except (OSError, ssl.SSLError) as error:
            raise StartupError("cannot load --client-ca '%s': %s; give a PEM file of the CA "
                               "that signs the plugins' client certificates"
                               % (client_ca, error))
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def import_mt5(module_name):
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        hint = ("install it with `pip install MetaTrader5` (Windows Python)"
                if module_name == "MetaTrader5" else "check --mt5-module and PYTHONPATH")
        raise StartupError("cannot import module '%s' (%s); %s" % (module_name, error, hint))


def self_test(methods):
    """Initializes the terminal, prints what it reports, shuts it down: 0 when it worked."""
    report = {"gateway_version": GATEWAY_VERSION}
    code = EXIT_OK
    try:
        methods.call("initialize", {}, 60.0)
        report["terminal_info"] = methods.call("terminal_info", {}, 30.0)
        report["version"] = methods.call("version", {}, 30.0)
    except RpcError as error:
        report["error"] = error.to_wire()
        code = EXIT_FAILED
    except (TerminalBusy, CallTimedOut) as error:
        report["error"] = {"kind": "timeout", "message": str(error)}
        return report, EXIT_FAILED  # the terminal is stuck: do not wait on shutdown
    try:
        methods.call("shutdown", {}, 10.0)
    except (TerminalBusy, CallTimedOut):
        pass
    return report, code


def install_signal_handlers(stop_event, log):
    def on_signal(signum, _frame):
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop_event.set()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl+Break on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)


def run(args):
    log = make_logger(args.log_level, args.log_file)
    mt5 = import_mt5(args.mt5_module)
    worker = TerminalWorker(log)
    if args.max_timeout_ms < 1000:
        raise StartupError("--max-timeout-ms must be at least 1000 (a login takes seconds)")
    methods = Methods(mt5, worker, log, terminal_path=args.terminal_path,
                      portable=args.portable, history_time_arg=args.history_time_arg,
                      max_timeout_ms=args.max_timeout_ms)
    if args.self_test:
        report, code = self_test(methods)
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return code

    token = read_token(args.token_file, log)
    log.add_secret(token)
    context = None if args.insecure_plaintext else make_ssl_context(
        args.cert, args.key, args.tls_min_version, args.tls_ciphers, args.client_ca)
    if context is None:
        log.warning("serving plain TCP without TLS (--insecure-plaintext): tests only")
    stop_event = threading.Event()
    install_signal_handlers(stop_event, log)
    try:
        server = GatewayServer(host=args.host, port=args.port, ssl_context=context,
                               token=token, methods=methods, log=log,
                               limits=Limits(
                                   max_working=args.max_connections,
                                   max_unauthenticated=args.max_unauthenticated,
                                   max_unauthenticated_per_address=(
                                       args.max_unauthenticated_per_address),
                                   hello_timeout_s=args.hello_timeout_s,
                                   wrong_token_delay_s=args.wrong_token_delay_ms / 1000,
                                   wrong_tokens_to_block=args.wrong_tokens_to_block),
                               idle_timeout_s=args.idle_timeout_s)
    except OSError as error:
        raise StartupError("cannot listen on %s:%d: %s; pick a free port or stop the other "
                           "gateway" % (args.host, args.port, error.strerror))
    log.info("gateway started", version=GATEWAY_VERSION, module=args.mt5_module,
             mt5_package_version=getattr(mt5, "__version__", None), pid=os.getpid())
    server.serve(stop_event)
    # Detach from the terminal when it is idle; a stuck call is not waited for.
    if worker.overrun_call() is None:
        try:
            methods.call("shutdown", {}, 5.0)
        except (TerminalBusy, CallTimedOut, RpcError):
            pass
    log.info("gateway stopped")
    return EXIT_OK


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except StartupError as error:
        print("mt5_gateway: %s" % error, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
