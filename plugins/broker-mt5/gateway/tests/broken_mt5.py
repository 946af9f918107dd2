"""A MetaTrader5 stand-in whose login raises, for the gateway's internal-error test.

The exception text carries the password on purpose: the gateway must scrub it.
"""

__version__ = "0.0.0-broken"


def initialize(*args, **kwargs):
    return True


def login(login, password=None, server=None, timeout=0):
    # As is, and as reprs escape it: str(), repr() and the repr of its bytes.
    raise RuntimeError("the terminal exploded while checking password %s (%r, %r)"
                       % (password, password, password.encode("utf-8")))


def account_info():
    return None


def last_error():
    return (1, "Success")


def shutdown():
    return None
