from django.contrib import admin

from core.admin import ReadOnlyAdmin
from volunteers.models import Assignment, CivilisedUnit, Commendation, Need, UnitDonor, Volunteer


@admin.register(CivilisedUnit)
class CivilisedUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "level", "unit"]


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ["name", "org", "kind", "party_member"]
    list_select_related = ["org"]


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ["title", "site", "post", "people", "closed"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["volunteer", "site", "start", "end", "state", "checked_in_at", "checked_out_at"]
    list_select_related = ["volunteer", "site"]


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ["title", "org", "volunteer", "given_on"]


@admin.register(UnitDonor)
class UnitDonorAdmin(ReadOnlyAdmin):
    list_display = ["org", "donor", "linked_at", "linked_by"]
    list_select_related = ["org", "donor", "linked_by"]
