from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonsConfig(AppConfig):
    name = "persons"
    verbose_name = _("Line list")

    def ready(self):
        from persons.facts import PeopleSource
        from reports.facts import source_register

        source_register(PeopleSource())
