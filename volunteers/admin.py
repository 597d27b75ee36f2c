from core.admin import read_only_register
from volunteers.models import Assignment, CivilisedUnit, Commendation, Need, UnitDonor, Volunteer

read_only_register(CivilisedUnit, list_display=["name", "level", "unit"])
read_only_register(Volunteer, list_display=["name", "org", "kind", "party_member"], list_select_related=["org"])
read_only_register(Need, list_display=["title", "site", "post", "people", "closed"])
read_only_register(Assignment, list_display=["volunteer", "site", "start", "end", "state", "checked_in_at",
                                             "checked_out_at"], list_select_related=["volunteer", "site"])
read_only_register(Commendation, list_display=["title", "org", "volunteer", "given_on"])
read_only_register(UnitDonor, list_display=["org", "donor", "linked_at", "linked_by"],
                   list_select_related=["org", "donor", "linked_by"])
