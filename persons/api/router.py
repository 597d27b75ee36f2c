"""The line list's one API router: persons.api and its modules register on it (the mount imports persons.api)."""

from ninja import Router

router = Router(tags=["persons"])
