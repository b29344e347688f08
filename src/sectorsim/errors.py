"""Errors a user can cause, reported as one line: the file, the key path, what is allowed."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    r"""``text`` with line breaks and other control characters escaped (``\n``, ``\x1b``, ...).

    A key or value from a user's file may hold a newline; the message about it must stay one line.
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class KeyedValueError(ValueError):
    """A validation problem raised inside a schema validator, naming the key it is about.

    Args:
        key: Key path relative to the model being validated (e.g. ``ladder`` or
            ``arms[1].policies[0].target_sector``).
        message: What is wrong and what is allowed.
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


class InputError(Exception):
    """A problem with a user's file or command-line input (exit status 2, no traceback).

    Args:
        file: The file at fault (or a command-line option, e.g. ``--out results/x``).
        key: Dotted key path inside the file ('' for the file as a whole).
        message: What is wrong and what is allowed.
    """

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = str(file), key, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return one_line(f"{where}: {self.message}")
