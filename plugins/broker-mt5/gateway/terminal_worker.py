"""Runs MetaTrader5 calls one at a time on one thread, each with a deadline.

The package and the terminal are not thread-safe, and a call into them cannot be interrupted.
So every call runs on the single worker thread; the caller waits until its deadline. A call that
is still running at its deadline is answered `timeout` and left to finish; until it returns, new
calls are answered `busy` at once instead of queueing behind a terminal that may be stuck. A
call that waited its whole deadline behind other connections' calls never started: it is
answered `busy` too, so the client knows it is safe to send again.
"""

import queue
import threading
import time

_QUEUED, _RUNNING, _DONE, _CANCELLED = "queued", "running", "done", "cancelled"


class TerminalBusy(Exception):
    """The call was not started: the terminal is occupied."""


class CallTimedOut(Exception):
    """The call started but had not finished by its deadline; it is still running."""


class _Job:
    def __init__(self, fn, label, on_late):
        self.fn = fn
        self.label = label
        self.on_late = on_late
        self.state = _QUEUED
        self.abandoned = False
        self.started = 0.0
        self.result = None
        self.error = None
        self.done = threading.Event()


class TerminalWorker:
    def __init__(self, log):
        self._log = log
        self._lock = threading.Lock()
        self._jobs = queue.Queue()
        self._overrun = None  # the abandoned job still running in the terminal, if any
        self._thread = threading.Thread(target=self._run, name="mt5-worker", daemon=True)
        self._thread.start()

    def overrun_call(self):
        """The label of a call still running past its deadline, or None."""
        with self._lock:
            return self._overrun.label if self._overrun else None

    def call(self, fn, deadline_s, label, on_late=None):
        """Runs `fn()` on the worker; returns its result or raises what it raised.

        Raises TerminalBusy or CallTimedOut as described in the module docstring. `on_late()`
        runs on the worker thread when a call its caller gave up on returns, before any other
        call starts, so what it records cannot be overtaken by a later call's outcome.
        """
        job = _Job(fn, label, on_late)
        with self._lock:
            if self._overrun is not None:
                running_s = time.monotonic() - self._overrun.started
                raise TerminalBusy(
                    "the terminal is still running %s, which passed its deadline %.1f s ago "
                    "running; retry later" % (self._overrun.label, running_s))
            self._jobs.put(job)
        job.done.wait(deadline_s)
        with self._lock:
            if job.state == _QUEUED:
                job.state = _CANCELLED
                raise TerminalBusy(
                    "%s was not started: earlier calls kept the terminal busy for the whole "
                    "deadline of %d ms; retry later" % (label, round(deadline_s * 1000)))
            if job.state == _RUNNING:
                job.abandoned = True
                self._overrun = job
                raise CallTimedOut(
                    "%s did not finish within %d ms; the terminal may still be working on it, "
                    "so later calls are answered busy until it returns"
                    % (label, round(deadline_s * 1000)))
        if job.error is not None:
            raise job.error
        return job.result

    def stop(self):
        """Lets the worker thread end after the call it is running, if any."""
        self._jobs.put(None)

    def _run(self):
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                if job.state == _CANCELLED:
                    continue
                job.state = _RUNNING
                job.started = time.monotonic()
            try:
                job.result = job.fn()
            except BaseException as error:  # handed to the waiting caller, never lost
                job.error = error
            with self._lock:
                job.state = _DONE
                if job.abandoned:
                    self._overrun = None
                    if job.on_late is not None:
                        job.on_late()
                    self._log.warning(
                        "late call finished", call=job.label,
                        duration_ms=round((time.monotonic() - job.started) * 1000))
            job.done.set()
