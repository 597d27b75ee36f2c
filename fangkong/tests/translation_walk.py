"""The machinery of the translation walk (test_translation_walk.py): the pages there are, the demo object each user
opens on them, a gettext that remembers what it was asked and could not find, and the text a page shows."""

import operator
import re
from html.parser import HTMLParser

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django.utils.translation import trans_real

# The demo city's users (accounts/demo.py): one of each role, and a second command post and grid worker whose
# units differ from the first's.
DEMO_USERS = ["admin", "command", "louxing", "heying", "sanyuan", "grid1", "yuetang", "kangshuangfeng", "auditor",
              "lawyer"]


def walk(patterns=None, prefix="", namespace=""):
    """(route, URL name) of every page: the JSON API (its own tests walk it) and the Django admin aside."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route, name = prefix + str(p.pattern), f"{namespace}{p.name}"
            if not route.startswith(("admin/", "api/")):
                yield route, name


def fill(route: str, params: dict) -> str:
    url = "/" + route
    for key, value in params.items():
        url = re.sub(rf"<(?:\w+:)?{key}>", str(value), url)
    assert "<" not in url, f"unfilled parameter in {url}"
    return url


# URL name → (model, the field placing an object in a unit's subtree, URL parameter → the object's attribute).
# A user opens the first object of the model within the unit of their role.
_PK = {"pk": "pk"}
_CODE = {"code": "code"}
_SITE = {"pk": "site_id"}
_MODELS = {
    "accounts.ApiToken": ("user", ["accounts:token_revoke"]),
    "accounts.User": ("memberships__unit_path", ["accounts:user_detail"]),
    "accounts.Membership": ("unit_path", ["accounts:membership_revoke"]),
    "orgunits.OrgUnit": ("path", ["orgunits:detail", "orgunits:child_create", "orgunits:rename", "orgunits:import",
                                  "orgunits:site_create", "volunteers:area_roster"]),
    "orgunits.Site": ("unit_path", ["sites:site_detail"]),
    "persons.CustomField": (None, ["persons:field_edit"]),
    "persons.ImportJob": ("unit_path", ["persons:import_detail", "persons:import_progress", "persons:import_errors",
                                        "persons:import_remap"]),
    "persons.Person": ("unit_path", ["persons:detail", "persons:edit", "persons:access_log", "persons:category_assign",
                                     "persons:category_end", "persons:status_set", "persons:check_record"]),
    "intake.Declaration": ("unit_path", ["intake:declaration", "intake:declaration_confirm",
                                         "intake:declaration_reject"]),
    "intake.Poster": ("unit_path", ["intake:poster", "intake:poster_png", "intake:poster_pdf", "intake:poster_revoke"]),
    "intake.SelfReportLink": ("unit_path", ["intake:self_report_qr", "intake:self_report_revoke"]),
    "tracing.Case": ("unit_path", ["tracing:case_detail", "tracing:case_edit", "tracing:case_classify",
                                   "tracing:contact_add", "tracing:contact_import", "tracing:case_chain",
                                   "tracing:visit_add"]),
    "tracing.ContactImport": ("unit_path", ["tracing:contact_import_detail", "tracing:contact_import_errors",
                                            "tracing:contact_import_progress"]),
    "tracing.Visit": ("unit_path", ["tracing:visit_delete"]),
    "tracing.Exposure": ("unit_path", ["tracing:exposure_detail", "tracing:contact_add_secondary"]),
    "tracing.FollowUp": ("unit_path", ["tracing:follow_up_detail", "tracing:follow_up_result",
                                       "tracing:follow_up_change", "tracing:follow_up_stop"]),
    "tracing.Task": ("unit_path", ["tracing:task_detail", "tracing:task_status"]),
    "core.Notification": ("recipient", ["notifications:read"]),
    "checkpoints.Alert": ("unit_path", ["checkpoints:alert", "checkpoints:alert_recheck"]),
    "checkpoints.Incident": ("unit_path", ["checkpoints:incident", "checkpoints:incident_step"]),
    "checkpoints.Station": ("unit_path", ["checkpoints:station_end"]),
    "checkpoints.Device": ("unit_path", ["checkpoints:device_deactivate", "checkpoints:device_key_rotate"]),
    "checkpoints.Team": ("unit_path", ["checkpoints:team", "checkpoints:member_add", "checkpoints:team_suspend",
                                       "checkpoints:team_release"]),
    "checkpoints.TeamMember": ("unit_path", ["checkpoints:member_remove"]),
    "checkpoints.Checkpoint": ("unit_path", ["checkpoints:gate", "checkpoints:pass", "checkpoints:people",
                                             "checkpoints:log", "checkpoints:device_register"]),
    "supplies.Location": ("unit_path", ["supplies:location", "supplies:location_move"]),
    "supplies.Voucher": ("unit_path", ["supplies:voucher", "supplies:voucher_reverse"]),
    "supplies.Donation": ("unit_path", ["supplies:donation", "supplies:donation_receipt", "supplies:donation_delivery",
                                        "supplies:donation_direction"]),
    "supplies.Request": ("unit_path", ["supplies:request", "supplies:request_edit", "supplies:request_decide",
                                       "supplies:request_allocate", "supplies:request_deliver",
                                       "supplies:request_purchase", "supplies:request_close"]),
    "volunteers.CivilisedUnit": ("unit_path", ["volunteers:org", "volunteers:volunteer_add",
                                               "volunteers:coordinator_add", "volunteers:commendation_add",
                                               "volunteers:org_donors"]),
    "volunteers.Volunteer": ("unit_path", ["volunteers:person"]),
    "volunteers.Need": ("unit_path", ["volunteers:need"]),
    "volunteers.Slot": ("unit_path", ["volunteers:signup"]),
    "volunteers.Assignment": ("unit_path", ["volunteers:check_in", "volunteers:check_out", "volunteers:cancel",
                                            "volunteers:swap"]),
    "reports.Form": (None, ["reports:compute", "reports:form_edit", "reports:versions"]),
    "reports.Submission": ("unit_path", ["reports:submission", "reports:submission_action", "reports:submission_csv",
                                         "reports:submission_manual_xlsx"]),
    "reports.Figure": (None, ["reports:figure", "reports:figure_edit"]),
    "reports.ReportTemplate": ("unit_path", ["reports:template", "reports:template_day"]),
    "legal.KnowledgeEntry": (None, ["legal:entry", "legal:entry_edit"]),
    "legal.HotlineCall": ("unit_path", ["legal:call", "legal:call_follow_up"]),
    "core.AuditEntry": ("unit_path", ["audit:detail"]),
}
# URL names whose parameters are not the object's pk or code.
_PARAMS = {"orgunits.OrgUnit": _CODE, "reports.Form": _CODE, "reports.Figure": {"key": "key"}}
_OTHER_PARAMS = {
    # the site of a checkpoint, a team, a station, a need
    "checkpoints:site": ("checkpoints.Checkpoint", "unit_path", _SITE),
    "checkpoints:checkpoint_create": ("checkpoints.Checkpoint", "unit_path", _SITE),
    "checkpoints:rule_set": ("checkpoints.Checkpoint", "unit_path", _SITE),
    "checkpoints:team_create": ("checkpoints.Team", "unit_path", _SITE),
    "checkpoints:station_assign": ("checkpoints.Station", "unit_path", _SITE),
    "volunteers:need_create": ("volunteers.Need", "unit_path", _SITE),
    "volunteers:roster": ("volunteers.Need", "unit_path", _SITE),
    "supplies:card": ("supplies.VoucherLine", "unit_path", {"pk": "location_id", "item_pk": "item_id"}),
    "reports:cell": ("reports.Submission", "unit_path", None),  # a computed cell of it
    "reports:version_jump": ("reports.FormVersion", None, {"code": "form.code", "pk": "pk"}),
    # the public pages, by the token of a poster or of a self-report link in the user's unit
    "intake:declare": ("intake.Poster", "unit_path", {"token": "token"}),
    "intake:self_report": ("intake.SelfReportLink", "unit_path", {"token": "token"}),
    "intake:self_report_links": ("intake.SelfReportLink", "unit_path", {"pk": "person_id"}),
}
OBJECTS = {name: (label, where, _PARAMS.get(label, _PK)) for label, (where, names) in _MODELS.items()
           for name in names} | _OTHER_PARAMS


def _cell(submission) -> dict | None:
    """The first counted cell of a submission: its row (a unit's code) and column."""
    for row in (submission.values or {}).get("rows", []):
        for column in submission.version.columns:
            if column.get("kind") != "manual" and column["key"] in row.get("cells", {}):
                return {"pk": submission.pk, "row": row["unit"], "column": column["key"]}
    return None


def object_params(name: str, user, path: str) -> dict | None:
    """The URL parameters of URL `name` for the first object within `path` (the user's unit), or None."""
    label, where, params = OBJECTS[name]
    qs = apps.get_model(label)._default_manager.order_by("pk")
    if where in ("user", "recipient"):
        qs = qs.filter(**{where: user})
    elif where:
        qs = qs.filter(**{f"{where}__startswith": path})
    obj = qs.first()
    if obj is None:
        return None
    if params is None:
        return _cell(obj)
    return {key: operator.attrgetter(attr)(obj) for key, attr in params.items()}


class Tracker:
    """While active, remembers every msgid looked up in Chinese and not found in the catalog, with the page it was
    first asked on (`page`, set by the walk)."""

    def __init__(self):
        self.missing: dict[str, str] = {}
        self.page = ""
        self._real = {}

    def _check(self, msgid: str, key):
        # A text with Chinese in it is data a user typed (templates translate some stored texts, since some are
        # msgids written with gettext_noop), never a msgid: they are English.
        if not (translation.get_language() or "").startswith("zh") or not has_words(msgid) or _CJK.search(msgid):
            return
        if key not in trans_real.translation(translation.get_language())._catalog:
            self.missing.setdefault(msgid, self.page)

    def __enter__(self):
        real = self._real = {name: getattr(trans_real, name) for name in ("gettext", "ngettext", "npgettext")}
        context = trans_real.CONTEXT_SEPARATOR

        def gettext(message):
            # pgettext asks gettext for "context\x04message"
            self._check(str(message).split(context)[-1], str(message))
            return real["gettext"](message)

        def ngettext(singular, plural, number):
            self._check(str(singular), (str(singular), 0))  # the catalog holds a plural's forms by index
            return real["ngettext"](singular, plural, number)

        def npgettext(ctx, singular, plural, number):
            self._check(str(singular), (f"{ctx}{context}{singular}", 0))
            return real["npgettext"](ctx, singular, plural, number)

        trans_real.gettext, trans_real.ngettext, trans_real.npgettext = gettext, ngettext, npgettext
        translation._trans.__dict__.clear()  # django.utils.translation looks its functions up again
        return self

    def __exit__(self, *exc):
        for name, fn in self._real.items():
            setattr(trans_real, name, fn)
        translation._trans.__dict__.clear()


_NOT_WORDS = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}|<[^>]*>|&\w+;")
_WORD = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


def has_words(text: str) -> bool:
    """Whether `text` holds a word of three letters or more outside its placeholders and tags."""
    return bool(_WORD.search(_NOT_WORDS.sub(" ", text)))


class VisibleText(HTMLParser):
    """The text a reader sees: not attributes, not scripts and styles, not code (<code>, <pre>, <kbd>, <samp> and
    the project's class "mono", in which pages show codes, keys and expressions to those who work with them)."""

    SKIP = {"script", "style", "code", "pre", "kbd", "samp", "template", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether its text is skipped
        self.tags: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.tags.append(tag)
        self.stack.append(tag in self.SKIP or "mono" in classes or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in self.tags:
            while self.tags:
                self.stack.pop()
                if self.tags.pop() == tag:
                    break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


_TOKENS = re.compile(r"[^\s,，。;；:：()（）\[\]【】<>《》\"'“”‘’/|·=、…]+")


def english_words(text: str, *, data: set[str], allowed: set[str]) -> set[str]:
    """ASCII words of three letters or more in `text`, but for the tokens that are data (a user name, an e-mail
    address, a number, a code with digits in it) and the words allowed."""
    words = set()
    for token in _TOKENS.findall(text):
        if token in data or re.search(r"\d|@", token):
            continue
        words.update(w for w in _WORD.findall(token) if w not in allowed and w not in data)
    return words
