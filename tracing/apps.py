from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "tracing"
    verbose_name = _("Contact tracing")

    def ready(self):
        from persons.health_checks import health_check_hook_register
        from persons.services import person_merge_hook_register, person_move_hook_register
        from reports.facts import source_register
        from tracing.facts import CasesSource, CommunitiesSource
        from tracing.services.fevers import fever_follow_up
        from tracing.services.merging import person_merge_tracing
        from tracing.services.moving import person_move_tracing

        source_register(CasesSource())
        source_register(CommunitiesSource())
        person_merge_hook_register(person_merge_tracing)
        person_move_hook_register(person_move_tracing)
        health_check_hook_register(fever_follow_up)
