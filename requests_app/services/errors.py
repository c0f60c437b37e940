class ServiceError(ValueError):
    """A refused change, with a message fit to show a user and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
