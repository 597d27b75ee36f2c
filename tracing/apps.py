from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "tracing"
    verbose_name = _("Contact tracing")

    def ready(self):
        from reports.facts import source_register
        from tracing.facts import CasesSource, CommunitiesSource

        source_register(CasesSource())
        source_register(CommunitiesSource())
