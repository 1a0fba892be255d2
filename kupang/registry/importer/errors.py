"""The one error a whole upload can fail with."""


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is Indonesian and says what to do."""
