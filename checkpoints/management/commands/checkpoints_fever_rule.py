"""manage.py checkpoints_fever_rule: show or change the default fever rule (sites may override it)."""

from django.core.management.base import BaseCommand, CommandError

from checkpoints.models import FeverRule
from checkpoints.services import fever_rule_set
from checkpoints.services.common import rule_default
from core.errors import DomainError


class Command(BaseCommand):
    help = ("Show the default fever rule, or change it with --threshold, --recheck-minutes and "
            "--temperature-required (audited).")

    def add_arguments(self, parser):
        parser.add_argument("--threshold", help="°C at or above which a reading is a fever, e.g. 37.3")
        parser.add_argument("--recheck-minutes", type=int, help="minutes from the first reading to the recheck")
        parser.add_argument("--temperature-required", choices=FeverRule.Required.values,
                            help="which passages need a temperature: entries (the default), always, never")

    def handle(self, *args, threshold, recheck_minutes, temperature_required, **options):
        rule = rule_default()
        if threshold is not None or recheck_minutes is not None or temperature_required is not None:
            try:
                rule = fever_rule_set(site=None, threshold=threshold if threshold is not None else rule.threshold,
                                      recheck_minutes=recheck_minutes or rule.recheck_minutes,
                                      temperature_required=temperature_required, by=None)
            except DomainError as exc:
                reasons = [str(exc.message)] + [str(m) for v in exc.fields.values() for m in v]
                raise CommandError("; ".join(reasons)) from None
        self.stdout.write(f"default: {rule.threshold} °C, recheck after {rule.recheck_minutes} min, "
                          f"temperature required: {rule.temperature_required}")
        for own in FeverRule.objects.filter(site__isnull=False).select_related("site"):
            self.stdout.write(f"  {own.site.name}: {own.threshold} °C, recheck after {own.recheck_minutes} min, "
                              f"temperature required: {own.temperature_required}")
