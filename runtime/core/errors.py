"""The exception types that mean "the caller sent bad input" (HTTP 400, never retried)."""


class InvalidInput(ValueError):
    """Input that will never succeed, however often it is retried; `code` is machine-readable."""

    code = "invalid_input"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class RecordError(InvalidInput):
    """A record that no store can take: bad id, time, device id or properties."""

    code = "invalid_record"
