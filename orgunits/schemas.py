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
