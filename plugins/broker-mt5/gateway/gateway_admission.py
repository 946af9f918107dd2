"""Who may hold a connection to the gateway, and for how long before proving the token.

Connections that have not said hello are *unauthenticated*: they are capped on their own (in
total and per source address) and never take one of the working slots (--max-connections),
so clients that connect and say nothing cannot lock real clients out. Each has one overall
deadline for the TLS handshake and hello together, enforced by one reaper thread that shuts the
socket down (a byte a second does not extend it). Wrong tokens are counted per source address;
an address with too many in a window is refused at accept for a while.
"""

import heapq
import itertools
import socket
import threading
import time


class Limits:
    def __init__(self, max_working=16, max_unauthenticated=64, max_unauthenticated_per_address=8,
                 hello_timeout_s=10.0, wrong_token_delay_s=1.0, wrong_tokens_to_block=10,
                 wrong_token_window_s=60.0, block_s=60.0):
        self.max_working = max_working
        self.max_unauthenticated = max_unauthenticated
        self.max_unauthenticated_per_address = max_unauthenticated_per_address
        self.hello_timeout_s = hello_timeout_s
        self.wrong_token_delay_s = wrong_token_delay_s
        self.wrong_tokens_to_block = wrong_tokens_to_block
        self.wrong_token_window_s = wrong_token_window_s
        self.block_s = block_s


class Admission:
    """Counts connections by stage and wrong tokens by address. Thread-safe."""

    def __init__(self, limits, clock=time.monotonic):
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._working = 0
        self._unauthenticated = {}  # address -> count
        self._unauthenticated_total = 0
        self._wrong = {}  # address -> [times of wrong tokens within the window]
        self._blocked_until = {}  # address -> clock time

    def admit(self, address):
        """A new connection from `address`: None when admitted, else why it is refused."""
        limits = self.limits
        with self._lock:
            until = self._blocked_until.get(address)
            if until is not None:
                if self._clock() < until:
                    return "too many wrong tokens from this address"
                del self._blocked_until[address]
            if self._unauthenticated_total >= limits.max_unauthenticated:
                return "too many connections waiting for hello"
            if self._unauthenticated.get(address, 0) >= limits.max_unauthenticated_per_address:
                return "too many connections waiting for hello from this address"
            self._unauthenticated[address] = self._unauthenticated.get(address, 0) + 1
            self._unauthenticated_total += 1
            return None

    def _leave_unauthenticated(self, address):
        count = self._unauthenticated.get(address, 0) - 1
        if count > 0:
            self._unauthenticated[address] = count
        else:
            self._unauthenticated.pop(address, None)
        self._unauthenticated_total -= 1

    def authenticated(self, address):
        """The connection proved the token: True when it got a working slot."""
        with self._lock:
            self._leave_unauthenticated(address)
            if self._working >= self.limits.max_working:
                return False
            self._working += 1
            return True

    def closed(self, address, working):
        """The connection closed; `working` says which stage it was in."""
        with self._lock:
            if working:
                self._working -= 1
            else:
                self._leave_unauthenticated(address)

    def wrong_token(self, address):
        """Counts a wrong token; returns (wrong tokens in the window, True when now blocked)."""
        limits = self.limits
        now = self._clock()
        with self._lock:
            times = [t for t in self._wrong.get(address, ()) if now - t < limits.wrong_token_window_s]
            times.append(now)
            self._wrong[address] = times
            if len(self._wrong) > 10000:  # forget the oldest addresses; bounded memory
                for stale in list(self._wrong)[:1000]:
                    del self._wrong[stale]
            blocked = len(times) >= limits.wrong_tokens_to_block
            if blocked:
                self._blocked_until[address] = now + limits.block_s
                self._wrong[address] = []
            return len(times), blocked


class HelloDeadlines:
    """One thread that shuts down connections still unauthenticated at their deadline."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []
        self._live = {}
        self._ids = itertools.count()
        threading.Thread(target=self._run, name="hello-deadlines", daemon=True).start()

    def add(self, sock, timeout_s):
        """Returns a key for cancel()."""
        key = next(self._ids)
        with self._cond:
            self._live[key] = sock
            heapq.heappush(self._heap, (time.monotonic() + timeout_s, key))
            self._cond.notify()
        return key

    def cancel(self, key):
        with self._cond:
            self._live.pop(key, None)

    def _run(self):
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                due, key = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                sock = self._live.pop(key)
                try:
                    # The plain socket's shutdown, also on a TLS socket: a blocked read in the
                    # handshake or the hello returns at once and the connection thread ends.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass
