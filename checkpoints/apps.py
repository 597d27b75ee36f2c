from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        from checkpoints.facts import SOURCES
        from reports.facts import source_register

        for source in SOURCES:
            source_register(source)
