from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "legal"
    verbose_name = _("Legal hotline and publicity")

    def ready(self):
        from legal.facts import PublicitySource
        from reports.facts import source_register

        source_register(PublicitySource())
