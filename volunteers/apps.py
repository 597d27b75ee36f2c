from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Front-line teams")

    def ready(self):
        from reports.facts import source_register
        from volunteers.facts import SOURCES

        for source in SOURCES:
            source_register(source)
