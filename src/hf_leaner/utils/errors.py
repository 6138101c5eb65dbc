"""The package's input errors: their message names the file (and line or field) at fault, in one line."""


class LeanerDataError(ValueError):
    """Bad or missing input data. The message always names the file (and line or field) at fault."""


class MissingSourceError(LeanerDataError):
    """The source has no files for what was asked; the message lists what does exist."""


class UsageError(LeanerDataError):
    """A flag value or combination the command cannot work with (exit status 2). Arguments dataclasses raise it
    from ``__post_init__``, so the same check guards the command line and the Python API."""


class SourceWarning(UserWarning):
    """Something in the source files that loses or misses data without stopping (a truncated shard kept in
    part, an empty file whose paired file has rows). Published cards list these; the CLI prints them in one line."""
