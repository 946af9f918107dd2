"""A MetaTrader5 stand-in whose login raises, for the gateway's internal-error test.

The exception text carries the password on purpose: the gateway must scrub it.
"""

__version__ = "0.0.0-broken"


def initialize(*args, **kwargs):
    return True


def login(login, password=None, server=None, timeout=0):
    raise RuntimeError("the terminal exploded while checking password %s" % password)


def account_info():
    return None


def last_error():
    return (1, "Success")


def shutdown():
    return None
