"""The offline app's API: the phone's device, the day it keeps, and the sync of its queued writes."""

from ninja import Router

router = Router(tags=["offline"])
