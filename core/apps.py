from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        # Every row a model of the project saves keeps its texts within their columns (core.lengths).
        # Every form field that reads a date or a time refuses one outside core.timebounds' years, whichever form
        # it belongs to (pages post what the API checks in fangkong.api). Forms are built after the apps are
        # ready; core/tests/test_timebounds.py walks every form of the project to prove it.
        from django import forms

        from core.lengths import lengths_enforce
        from core.timebounds import date_validate

        lengths_enforce()
        for field in (forms.DateField, forms.DateTimeField):
            if date_validate not in field.default_validators:
                field.default_validators = [*field.default_validators, date_validate]
