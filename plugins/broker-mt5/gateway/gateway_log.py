"""JSON log lines for the MT5 gateway, with secrets scrubbed.

Every line is one JSON object: `ts`, `level`, `event` and the fields the caller adds (`method`,
`id`, `duration_ms`, `outcome`, ...). Callers never pass request params to the log; as a second
line of defence the formatter replaces every registered secret (the shared token) wherever it
appears, and `scrub()` removes a request's own password from text that came from outside (MT5
messages, exception strings) before that text is logged or sent.
"""

import json
import logging
import logging.handlers
import sys
import threading
import time

LOGGER_NAME = "mt5_gateway"
REDACTED = "[redacted]"
# Shorter strings are not scrubbed: replacing "1" everywhere would garble the log, and no
# accepted token or real password is that short.
_MIN_SECRET_LEN = 4


def spellings(secret):
    """The ways a secret appears in text: as is, and escaped as repr(), ascii(), JSON and the
    repr of its UTF-8 bytes would write it (an exception's message often holds a repr)."""
    forms = {secret, repr(secret)[1:-1], ascii(secret)[1:-1], json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret.encode("utf-8"))[2:-1]}
    # repr() picks double quotes for a string holding a single quote: then ' is not escaped.
    forms.add(secret.replace("\\", "\\\\").replace("'", "\\'"))
    return sorted((f for f in forms if len(f) >= _MIN_SECRET_LEN), key=len, reverse=True)


def scrub(text, secrets):
    """Returns `text` with every secret in `secrets`, in each of its spellings, replaced."""
    text = str(text)
    for secret in secrets:
        if not secret or len(secret) < _MIN_SECRET_LEN:
            continue
        for form in spellings(secret):
            if form in text:
                text = text.replace(form, REDACTED)
    return text


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; scrubs the registered secrets from the whole line."""

    def __init__(self):
        super().__init__()
        self._secrets = []
        self._lock = threading.Lock()

    def add_secret(self, secret):
        with self._lock:
            self._secrets.append(secret)

    def format(self, record):
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + ".%03dZ" % int(record.msecs),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        text = json.dumps(line, ensure_ascii=False, default=str)
        with self._lock:
            secrets = list(self._secrets)
        # The line is JSON: scrub each spelling of each secret as JSON escapes it too.
        forms = [f for s in secrets for f in spellings(s)]
        return scrub(text, secrets + [json.dumps(f)[1:-1] for f in forms])


class EventLogger:
    """A thin wrapper so call sites read `log.info("event", method=..., id=...)`."""

    def __init__(self, logger, formatter):
        self._logger = logger
        self._formatter = formatter

    def add_secret(self, secret):
        self._formatter.add_secret(secret)

    def _log(self, level, event, exc_info, fields):
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, exc_info=exc_info, extra={"fields": fields})

    def debug(self, event, **fields):
        self._log(logging.DEBUG, event, None, fields)

    def info(self, event, **fields):
        self._log(logging.INFO, event, None, fields)

    def warning(self, event, **fields):
        self._log(logging.WARNING, event, None, fields)

    def error(self, event, exc_info=None, **fields):
        self._log(logging.ERROR, event, exc_info, fields)


def make_logger(level_name="info", log_file=None):
    """Logs to stderr, or to a size-rotated file (10 MiB x 5) when `log_file` is given."""
    formatter = JsonFormatter()
    if log_file:
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(getattr(logging, level_name.upper()))
    return EventLogger(logger, formatter)
