"""colour: whether and how `cbpf corpus` colours what it prints: only on a
terminal, and never when NO_COLOR is set to anything but the empty string
(https://no-color.org) or TERM is `dumb`. Progress follows the same rule
for terminals (runner.Progress): none when stderr is not one.
"""
import os

CODES = {"pass": "32", "diverge": "31;1", "known": "33", "skipped": "90", "bold": "1"}


def enabled(stream, environ=None):
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text, kind, on=True):
    """text in the colour of kind (a status, or bold) when on."""
    code = CODES.get(kind)
    return f"\x1b[{code}m{text}\x1b[0m" if on and code else text
