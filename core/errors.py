"""Domain errors: a sentence a person understands, and the field it concerns."""

from dataclasses import dataclass


class DomainError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def require(condition: bool, message: str, field: str | None = None) -> None:
    """Refuses with the sentence (naming the field) unless the condition holds: the services' guard."""
    if not condition:
        raise DomainError(message, field=field)


@dataclass(frozen=True)
class Violation:
    """A policy rule a change would break. `overridable` rules yield to a recorded exception."""

    rule: str
    message: str
    overridable: bool = True
    field: str | None = None


class RuleViolation(DomainError):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(" ".join(v.message for v in violations), field=violations[0].field)
        self.violations = violations

    @property
    def overridable(self) -> bool:
        return all(v.overridable for v in self.violations)
