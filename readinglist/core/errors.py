"""Errors a user sees as one line: they say what is wrong and what to do."""


class UserError(Exception):
    """A problem caused by input or environment, reported without a traceback."""


class StoreError(UserError):
    """The store cannot be opened or written."""


class UnknownPaper(UserError):
    """No paper has this id (or the prefix is ambiguous)."""


class StoreBusy(StoreError):
    """Another process (``holder``, a pid, when known) holds the store's lock."""

    def __init__(self, message: str, holder: int | None = None) -> None:
        super().__init__(message)
        self.holder = holder
