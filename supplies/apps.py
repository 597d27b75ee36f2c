from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "supplies"
    verbose_name = _("Supplies and donations")

    def ready(self):
        from reports.facts import source_register
        from supplies.facts import SuppliesSource

        source_register(SuppliesSource())
