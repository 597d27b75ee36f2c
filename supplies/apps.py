from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "supplies"
    verbose_name = _("Supplies and donations")

    def ready(self):
        from persons.services import person_merge_hook_register
        from reports.facts import source_register
        from supplies.facts import SuppliesSource
        from supplies.merging import person_merge_supplies

        source_register(SuppliesSource())
        person_merge_hook_register(person_merge_supplies)
