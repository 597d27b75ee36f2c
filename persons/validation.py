"""Checking one person's input (from a form, the API or an import row) without touching the database.

`person_clean` returns the cleaned values and the errors per field, in the reader's language; the
caller resolves the grid code and checks uniqueness in bulk.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.timebounds import out_of_range
from persons.identity import (
    normalize_doc_number,
    normalize_name,
    normalize_phone,
    other_doc_check,
    pinyin_initials,
    resident_id_check,
)
from persons.models import CustomField, Person

DOC_TYPE_WORDS = {
    "resident_id": Person.DocType.RESIDENT_ID, "身份证": Person.DocType.RESIDENT_ID,
    "居民身份证": Person.DocType.RESIDENT_ID, "passport": Person.DocType.PASSPORT, "护照": Person.DocType.PASSPORT,
    "hk_macao": Person.DocType.HK_MACAO, "港澳通行证": Person.DocType.HK_MACAO,
    "港澳居民来往内地通行证": Person.DocType.HK_MACAO, "taiwan": Person.DocType.TAIWAN,
    "台湾通行证": Person.DocType.TAIWAN, "台胞证": Person.DocType.TAIWAN, "other": Person.DocType.OTHER,
    "其他": Person.DocType.OTHER, "其它": Person.DocType.OTHER,
}
SEX_WORDS = {"m": "M", "male": "M", "男": "M", "f": "F", "female": "F", "女": "F", "u": "U", "未知": "U", "": ""}
RELATION_WORDS = {
    "户主": "head", "本人": "head", "配偶": "spouse", "妻子": "spouse", "丈夫": "spouse", "子女": "child",
    "儿子": "child", "女儿": "child", "父母": "parent", "父亲": "parent", "母亲": "parent", "孙子女": "grandchild",
    "兄弟姐妹": "sibling", "其他": "other",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "阳性"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "阴性"}

# The fields a person has besides custom ones, as keys of the input mapping.
FIELDS = ["name", "sex", "birth_date", "doc_type", "doc_number", "phone", "address", "grid", "household_relation",
          "notes"]

# Plain values looked up once: enum attribute access and `.values` cost microseconds per call, and the
# import cleans a million rows.
_RESIDENT_ID = Person.DocType.RESIDENT_ID.value
_RELATIONS = frozenset(Person.Relation.values)


def parse_date(value: Any) -> dt.date:
    """A date from a date/datetime, or text as 2020-05-21, 2020/5/21, 2020.5.21, 20200521 or 2020年5月21日, within
    the years core.timebounds allows."""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        reason = out_of_range(day)
        if reason:
            raise ValueError(reason)
        return day
    text = normalize_doc_number(str(value)).replace("年", "-").replace("月", "-").replace("日", "")
    text = text.replace("/", "-").replace(".", "-").rstrip("-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if " " in text or "T" in text:
        text = text.split("T")[0].split(" ")[0]
    try:
        y, m, d = (int(p) for p in text.split("-"))
        day = dt.date(y, m, d)
    except (ValueError, TypeError):
        raise ValueError(_("%(v)s is not a date (use 2020-05-21).") % {"v": value}) from None
    return parse_date(day)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def custom_value_clean(field: CustomField, value: Any) -> Any:
    """The JSON value stored for `field`, or ValueError naming what is wrong."""
    if field.type == CustomField.Type.TEXT:
        text = normalize_name(str(value))
        if len(text) > 200:
            raise ValueError(_("At most 200 characters."))
        return text
    if field.type == CustomField.Type.NUMBER:
        try:
            number = Decimal(normalize_doc_number(str(value)))
        except InvalidOperation:
            raise ValueError(_("%(v)s is not a number.") % {"v": value}) from None
        if not number.is_finite():
            raise ValueError(_("%(v)s is not a number.") % {"v": value})
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == CustomField.Type.DATE:
        return parse_date(value).isoformat()
    if field.type == CustomField.Type.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = normalize_doc_number(str(value)).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("Answer yes or no (是/否)."))
    if field.type == CustomField.Type.CHOICE:
        text = normalize_name(str(value))
        if text not in field.choices:
            raise ValueError(_("Choose one of: %(c)s.") % {"c": "、".join(field.choices)})
        return text
    raise ValueError(f"unknown field type {field.type}")


def person_clean(raw: Mapping[str, Any], *, custom_fields: list[CustomField], today: dt.date,
                 partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    """Clean one person's input. With `partial`, only the keys present are checked (an edit)."""
    # Written for speed as well as clarity: the bulk import runs it once per row of a file with up to
    # a million rows, so it avoids per-call closures for the common path and enum look-ups.
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    full = not partial
    get = raw.get

    def err(key, message):
        errors.setdefault(key, []).append(str(message))

    if full or "name" in raw:
        name = normalize_name(get("name") or "")
        if not name:
            err("name", _("The name is required."))
        elif len(name) > 50:
            err("name", _("At most 50 characters."))
        clean["name"] = name
        clean["name_initials"] = pinyin_initials(name)

    derived_birth = derived_sex = None
    if full or "doc_type" in raw or "doc_number" in raw:
        doc_type_raw = normalize_name(str(get("doc_type") or _RESIDENT_ID))
        doc_type = DOC_TYPE_WORDS.get(doc_type_raw.lower(), DOC_TYPE_WORDS.get(doc_type_raw))
        if doc_type is None:
            err("doc_type", _("Unknown document type %(v)s (身份证, 护照, 港澳通行证, 台湾通行证, 其他).")
                % {"v": doc_type_raw})
        number = normalize_doc_number(get("doc_number") or "")
        clean["doc_type"], clean["doc_number"], clean["doc_tail"] = doc_type, number, number[-4:]
        if not number:
            err("doc_number", _("The document number is required."))
        elif doc_type == _RESIDENT_ID:
            try:
                derived_birth, derived_sex = resident_id_check(number, today=today)
            except ValueError as exc:
                err("doc_number", exc)
        elif doc_type is not None:
            try:
                other_doc_check(number)
            except ValueError as exc:
                err("doc_number", exc)

    if full or derived_sex or "sex" in raw:
        word = normalize_name(str(get("sex") or "")).lower()
        sex = SEX_WORDS.get(word)
        if sex is None:
            err("sex", _("Sex is 男 or 女."))
        elif derived_sex and sex and sex != "U" and sex != derived_sex:
            err("sex", _("The ID number gives the sex as %(s)s.") % {"s": Person.Sex(derived_sex).label})
        clean["sex"] = derived_sex or sex or "U"
    if full or derived_birth or "birth_date" in raw:
        value = get("birth_date")
        birth = None
        if not _blank(value):
            try:
                birth = parse_date(value)
            except ValueError as exc:
                err("birth_date", exc)
            else:
                if birth > today:
                    err("birth_date", _("The birth date is in the future."))
                elif derived_birth and birth != derived_birth:
                    err("birth_date", _("The ID number gives the birth date as %(d)s.") % {"d": derived_birth.isoformat()})
        clean["birth_date"] = derived_birth or birth

    if full or "phone" in raw:
        try:
            clean["phone"] = normalize_phone(str(get("phone") or ""))
        except ValueError as exc:
            err("phone", exc)
    if full or "address" in raw:
        address = normalize_name(str(get("address") or ""))
        if len(address) > 200:
            err("address", _("At most 200 characters."))
        clean["address"] = address
    if full or "grid" in raw:
        grid = normalize_doc_number(str(get("grid") or ""))
        if not grid:
            err("grid", _("The grid responsible is required."))
        clean["grid"] = grid
    if full or "household_relation" in raw:
        word = normalize_name(str(get("household_relation") or ""))
        relation = RELATION_WORDS.get(word, word.lower())
        if relation and relation not in _RELATIONS:
            err("household_relation", _("Unknown relation %(v)s.") % {"v": word})
        clean["household_relation"] = relation
    if full or "notes" in raw:
        clean["notes"] = str(get("notes") or "").strip()[:2000]

    custom: dict[str, Any] = {}
    for field in custom_fields:
        key = f"custom.{field.key}"
        if partial and key not in raw:
            continue
        value = raw.get(key)
        if _blank(value):
            if field.required_from and today >= field.required_from:
                err(key, _("%(f)s is required from %(d)s.") % {"f": field.display_label,
                                                                "d": field.required_from.isoformat()})
            custom[field.key] = None
            continue
        try:
            custom[field.key] = custom_value_clean(field, value)
        except ValueError as exc:
            err(key, exc)
    clean["custom"] = custom
    return clean, errors
