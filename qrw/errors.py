"""User-facing errors: the CLI prints their message (no stack trace) and exits 2."""


class QrwError(Exception):
    """Something the user can fix: bad input, missing files, a blocked gate. Say what to do."""


class GateBlocked(QrwError):
    """A publish quality gate refused the latest version; nothing was published."""
