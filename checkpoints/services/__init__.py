"""Writes of the checkpoints app, one module per part; every write is audited. `by=None` is the system
(commands, the demo)."""

from checkpoints.services.alerts import alert_recheck, alerts_announce
from checkpoints.services.common import TemperatureError, rule_for, rules_for, temperature_parse
from checkpoints.services.duty import duty_users
from checkpoints.services.incidents import (
    checklist,
    incident_step_record,
    team_release,
    team_suspend,
)
from checkpoints.services.passages import GateResult, passage_record, subject_find
from checkpoints.services.readings import IngestResult, reading_record, readings_ingest
from checkpoints.services.setup import (
    checkpoint_create,
    checkpoint_set_active,
    device_authenticate,
    device_deactivate,
    device_key_rotate,
    device_register,
    fever_rule_set,
    station_assign,
    station_assign_named,
    station_end,
    team_create,
    team_member_add,
    team_member_add_by_card,
    team_member_remove,
)

__all__ = [
    "GateResult", "IngestResult", "TemperatureError", "alert_recheck", "alerts_announce", "checklist",
    "checkpoint_create", "checkpoint_set_active", "device_authenticate", "device_deactivate", "device_key_rotate",
    "device_register", "duty_users",
    "fever_rule_set", "incident_step_record", "passage_record", "reading_record", "readings_ingest", "rule_for",
    "rules_for", "station_assign", "station_assign_named", "station_end", "subject_find", "team_create", "team_member_add",
    "team_member_add_by_card", "team_member_remove", "team_release", "team_suspend", "temperature_parse",
]
