from ninja import Schema


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None
    path: str
    depth: int


class UnitDetailOut(UnitOut):
    ancestors: list[UnitOut]
    n_children: int


class UnitPageOut(Schema):
    items: list[UnitOut]
    next_cursor: str | None


class UnitCreateIn(Schema):
    code: str
    name: str
    kind: str


class SiteOut(Schema):
    id: int
    unit_code: str
    kind: str
    name: str
    address: str
    contact_phone: str


class UnitRenameIn(Schema):
    name: str


class ImportRowErrorOut(Schema):
    line: int
    column: str
    message: str


class UnitImportOut(Schema):
    """What an import did: nothing is written when a row is wrong, unless `keep_valid` was asked (`written`)."""

    written: bool
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowErrorOut]


class SiteIn(Schema):
    kind: str
    name: str
    address: str = ""
    contact_phone: str = ""


class SitePatch(Schema):
    """A site's fields to change; those left out stay as they are."""

    kind: str | None = None
    name: str | None = None
    address: str | None = None
    contact_phone: str | None = None
