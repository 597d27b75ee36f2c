"""The one error type that services raise for a broken domain rule."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain was broken: `code` is stable for programs, `message` is for people.

    `fields` maps a field name (or "row 12: 身份证号") to its reasons, for forms and imports.
    Pages show it through core.pages (its words from core.forms), the API through its one exception handler
    (fangkong.api); commands stop with its message as a CommandError.
    """

    def __init__(self, code: str, message: str | Promise, *, fields: dict[str, list[str]] | None = None,
                 status: int = 400):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status = status

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }
