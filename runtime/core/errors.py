"""The exception types that mean "the caller sent bad input" (HTTP 4xx, never retried)."""


class InvalidInput(ValueError):
    """Input that will never succeed, however often it is retried; `code` is machine-readable,
    `status` the receiver's answer (400; 404 for a target that does not exist)."""

    code = "invalid_input"
    status = 400

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class RecordError(InvalidInput):
    """A record that no store can take: bad id, time, device id or properties."""

    code = "invalid_record"
