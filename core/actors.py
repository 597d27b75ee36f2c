"""Who does something: a signed-in user, or None for the system (commands, the background worker, the demo).

Services take it as `by` (the audit log's actor). The alias is for type checkers: core sits below accounts
in DESIGN.md's order, so the user model is imported only while checking types, never at run time."""

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from accounts.models import User

Actor: TypeAlias = "User | None"
