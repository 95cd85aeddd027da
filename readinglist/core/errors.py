"""Errors a user sees as one line: they say what is wrong and what to do."""


class UserError(Exception):
    """A problem caused by input or environment, reported without a traceback."""


class StoreError(UserError):
    """The store cannot be opened or written."""


class UnknownPaper(UserError):
    """No paper has this id (or the prefix is ambiguous)."""
