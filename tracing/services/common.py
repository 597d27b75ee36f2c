"""What the tracing services share: time helpers, the registry categories, date arithmetic in SQL."""

import datetime as dt

from django.db.models import Func, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from persons.models import Category, CategoryEpisode, Person
from tracing.models import Case

# The registry categories tracing writes (persons' seed data): a case's classification, and contacts.
CLASSIFICATION_CATEGORY = {
    Case.Classification.SUSPECTED: "suspected",
    Case.Classification.CONFIRMED: "confirmed",
    Case.Classification.ASYMPTOMATIC: "asymptomatic",
}
CLOSE_CONTACT = "close_contact"
SECONDARY_CONTACT = "secondary_contact"
DEFAULT_PERIOD_DAYS = 14


def category(code: str) -> Category:
    """A registry category by code; a clear error when the seed data is missing."""
    found = Category.objects.filter(code=code).first()
    if found is None:
        raise DomainError("unknown_category", _("The category %(code)s is not defined in the line list.")
                          % {"code": code})
    return found


def period_days(cat: Category) -> int:
    """The follow-up period of a category (its management period; 14 days when unset)."""
    return cat.period_days or DEFAULT_PERIOD_DAYS


def category_held(person: Person, code: str) -> CategoryEpisode | None:
    return CategoryEpisode.objects.filter(person=person, category__code=code, end__isnull=True).first()


def registry_open(person: Person, code: str, *, at: dt.datetime, note: str, by) -> None:
    """Give the person the category from `at` through persons' service, unless already held."""
    from persons.services import category_assign

    if category_held(person, code) is None:
        category_assign(person=person, category=category(code), start=min(at, timezone.now()), note=note, by=by)


def registry_close(person: Person, code: str, *, at: dt.datetime, by) -> None:
    """End the person's holding of the category at `at` (never before the episode began)."""
    from persons.services import category_end

    episode = category_held(person, code)
    if episode is not None:
        category_end(person=person, category=episode.category, end=max(at, episode.start), by=by)


def not_in_future(value: dt.date | dt.datetime | None, field: str, errors: dict, *, slack_minutes: int = 10) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime):
        if value > timezone.now() + dt.timedelta(minutes=slack_minutes):
            errors.setdefault(field, []).append(_("In the future."))
    elif value > timezone.localdate():
        errors.setdefault(field, []).append(_("In the future."))


class DatePlusDays(Func):
    """`date + n days` for a DateField expression, in each database's own date arithmetic."""

    output_field = None

    def __init__(self, expression, days, **extra):
        from django.db.models import DateField

        super().__init__(expression, Value(int(days), output_field=IntegerField()), output_field=DateField(),
                         **extra)

    def as_sqlite(self, compiler, connection, **extra):
        date, date_params = compiler.compile(self.source_expressions[0])
        days, days_params = compiler.compile(self.source_expressions[1])
        return f"date({date}, ({days}) || ' days')", [*date_params, *days_params]

    def as_postgresql(self, compiler, connection, **extra):
        date, date_params = compiler.compile(self.source_expressions[0])
        days, days_params = compiler.compile(self.source_expressions[1])
        return f"({date} + CAST({days} AS integer))", [*date_params, *days_params]
