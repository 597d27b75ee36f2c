from django.contrib import admin

from core.admin import ReadOnlyAdmin
from orgunits.models import OrgUnit, Site


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "path"]
    list_filter = ["kind", "source"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["name"]
