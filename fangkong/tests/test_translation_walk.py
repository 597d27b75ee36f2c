"""Every page in Chinese, as the demo city's users see it: no string of the code shown without its translation, and
no English word on a page that is not data.

The walk opens every page (GET) of every URL pattern (as accounts/tests/test_scope_enumerated.py enumerates them),
parametrised ones with a demo object within the user's unit, as each demo user in turn; a parametrised page is opened
once per role for the same object (two users of one role see one template). Besides the demo, it makes what the demo
lacks so that every page has something to show: the street's five reports computed, one submitted and returned, an
import of people and one of contacts, a fever alert rechecked into an incident. While it runs a gettext that
remembers what it could not find in the catalog records every msgid shown untranslated (the catalog is compiled
from locale/ first). A page's visible text (not attributes, scripts, styles or code) is then read for ASCII words of
three letters or more that are neither data (user names, e-mail addresses, codes with digits) nor allowed below.
"""

import csv
import io
import logging
import re
from collections import defaultdict

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from core.tests.catalog import catalog_compile
from fangkong.tests import translation_walk as w

DAY = "2020-05-21"  # the seed report's day: the demo's reports, stays and board
# Words a Chinese page may show: file formats and units, names of laws and people no one translates, and the names
# of the languages in the language switch.
ALLOWED = {"API", "CSV", "XLSX", "xlsx", "csv", "Excel", "JSON", "PDF", "PNG", "URL", "QR", "DHIS2", "ADX", "KN95", "N95",
           "WeChat", "YYYY", "Benford", "Nigrini", "English", "IP"}
# What each page is opened with (the plain page when not listed): the day of the demo's reports, a search, and the
# htmx fragments (asked for with HX-Request, as the pages' scripts ask).
QUERIES = {
    "reports:today": ["", f"?day={DAY}"],
    "reports:board": ["", f"?day={DAY}"],
    "reports:reconcile": ["?unit={unit}&form=hubei_wuhan_daily&day=" + DAY],
    "reports:figures": ["", f"?day={DAY}"],
    "tracing:stays": ["", f"?day={DAY}"],
    "persons:list": ["", "?q=王"],
    "orgunits:tree": ["", "?q=三元"],
    "legal:knowledge": ["", "?q=隔离"],
    "legal:lookup": ["?q=房租"],
    "checkpoints:people": ["?q=周"],
}
HTMX = {"orgunits:tree", "legal:knowledge", "legal:lookup", "checkpoints:people", "checkpoints:alerts_live",
        "persons:import_progress", "tracing:contact_import_progress"}
# Files, not pages: the people and report exports and error files (point 8 of issue 17 is about their content).
FILES = (".csv", ".xlsx", ".json", "/errors/", ".png", ".pdf")  # and QR codes (intake)
# Known, with the reason they are still there. Each is someone's open work, and is removed when it is done.
PENDING_WORDS: dict[str, str] = {}
PENDING_MSGIDS: dict[str, str] = {}


def _csv_file(name: str, header: list[str], rows: list[list[str]]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"), content_type="text/csv")


def _what_the_demo_lacks():
    """The street's reports of the seed day (one submitted and returned), imports, a fever alert and incident."""
    from accounts.models import User
    from accounts.services import token_create
    from checkpoints import services as checkpoint_services
    from checkpoints.models import TeamMember
    from orgunits.demo import DEMO_STREET, grid_code
    from orgunits.models import OrgUnit
    from persons import importing
    from reports.models import Form, ReportTemplate, Submission
    from reports.tests import county_templates
    from tracing import services as tracing_services
    from tracing.models import Case

    heying, louxing = User.objects.get(username="heying"), User.objects.get(username="louxing")
    token_create(user=User.objects.get(username="admin"), name="测温枪")
    street = OrgUnit.objects.get(code=DEMO_STREET)
    officer, reviewer = Client(), Client()
    officer.force_login(heying)
    reviewer.force_login(louxing)
    for form in Form.objects.filter(active=True):
        officer.post(f"/reports/forms/{form.code}/compute/", {"unit": street.code, "day": DAY})
    for report in Submission.objects.filter(unit=street).order_by("pk"):  # the first one that can be submitted
        officer.post(f"/reports/s/{report.pk}/action/", {"action": "submit", "explanation": "已核对",
                                                         "lock_version": report.lock_version})
        if Submission.objects.get(pk=report.pk).state == Submission.State.SUBMITTED:
            reviewer.post(f"/reports/s/{report.pk}/action/", {"action": "return", "comment": "请核对在管人数"})
            break

    grid = grid_code(DEMO_STREET + "001", 1)
    job = importing.import_job_create(
        unit=street, filename="人员名单.csv", keep_valid=True, by=heying, start=False,
        uploaded_file=_csv_file("人员名单.csv", ["姓名", "性别", "身份证号码", "手机号码", "现住址", "网格编码"],
                                [["张三", "男", "43130219900101123X", "13800000000", "三元社区", grid],
                                 ["李四", "女", "123", "", "", grid]]))
    importing.people_import(job=job)
    case = Case.objects.filter(unit_path__startswith=street.path).order_by("pk").first()
    tracing_services.contacts_import(
        case=case, filename="密接名单.csv", unit=OrgUnit.objects.get(code=grid), by=heying,
        uploaded_file=_csv_file("密接名单.csv", ["姓名", "证件号码", "手机号码", "网格编码", "首次接触日期",
                                                 "末次接触日期", "接触场所", "接触距离"],
                                [["王五", "123", "", grid, "2020-05-18", "2020-05-19", "餐馆", "1米内"]]))
    officer.post("/reports/templates/", {"file": SimpleUploadedFile("县里模板.xlsx", county_templates.merged_rows())})
    template = ReportTemplate.objects.get()
    officer.post(f"/reports/templates/{template.pk}/", {"part": "make", "sheet": "涉鄂涉汉日报", "target": "",
                                                         "name": "长青街道涉鄂涉汉日报", "effective_from": DAY})
    member = TeamMember.objects.select_related("team__site").order_by("pk").first()
    gate = member.team.site.checkpoints.order_by("pk").first()
    alert = checkpoint_services.passage_record(checkpoint=gate, direction="in", code=member.badge,
                                               temperature="39.0", by=heying).alert
    alert.recheck_due_at = timezone.now()
    alert.save(update_fields=["recheck_due_at"])
    checkpoint_services.alert_recheck(alert=alert, temperature="39.1", by=heying)


@pytest.fixture(scope="module")
def walk(demo_city, django_db_blocker, tmp_path_factory):
    from accounts.models import ApiToken, User

    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    found = {"missing": {}, "english": defaultdict(set), "answers": defaultdict(set), "undescribed": defaultdict(set)}
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # the walk's 403, 404 and 405 are expected
    try:
        with django_db_blocker.unblock(), override_settings(STORAGES=storages,
                                                            MEDIA_ROOT=tmp_path_factory.mktemp("media")):
            catalog_compile()
            _what_the_demo_lacks()
            data = {*User.objects.values_list("username", flat=True), *ApiToken.objects.values_list("prefix", flat=True)}
            with w.Tracker() as tracker:
                _walk_pages(found, data, tracker)
            found["missing"] = {k: v for k, v in tracker.missing.items() if k not in data}
    finally:
        quiet.setLevel(level)
    return found


def _walk_pages(found, data, tracker):
    from accounts.models import User

    anonymous = Client()  # the sign-in page, and where the others send someone not signed in
    for route, name in w.walk():
        if "<" not in route and not route.endswith(FILES):
            tracker.page = f"(not signed in) /{route}"
            response = anonymous.get("/" + route)
            if response.status_code == 200:
                _read(found, name, response, data, tracker.page)
    opened = set()  # (role, url): a role sees the same page of the same object alike
    for username in w.DEMO_USERS:
        user = User.objects.get(username=username)
        membership = user.memberships.select_related("unit").get()
        client = Client()
        client.force_login(user)
        for route, name in w.walk():
            if "<" in route:
                params = w.object_params(name, user, membership.unit_path) if name in w.OBJECTS else None
                if params is None:
                    found["answers"][name].add("no object")
                    continue
                url = w.fill(route, params)
                if (membership.role, url) in opened:
                    continue
                opened.add((membership.role, url))
            else:
                url = "/" + route
            if url.endswith(FILES):
                found["answers"][name].add("file")
                continue
            for query in QUERIES.get(name, [""]):
                for headers in ({}, {"HX-Request": "true"}) if name in HTMX else ({},):
                    tracker.page = f"{username} {url}{query}{' (htmx)' if headers else ''}"
                    response = client.get(url + query.format(unit=membership.unit.code), headers=headers)
                    _read(found, name, response, data, tracker.page)


def _read(found, name, response, data, page):
    html = "text/html" in response.get("Content-Type", "")
    found["answers"][name].add(response.status_code if html or response.status_code != 200 else "file")
    if response.status_code == 200 and html:
        content = response.content.decode()
        for word in w.english_words(w.visible_text(content), data=data, allowed=ALLOWED):
            found["english"][word].add(page)
        ids = set(re.findall(r'\bid="([^"]+)"', content))
        for named in re.findall(r'aria-describedby="([^"]+)"', content):
            for missing in set(named.split()) - ids:
                found["undescribed"][missing].add(page)


def _report(found: dict, *, limit: int = 3) -> str:
    return "\n".join(f"  {key!r}: {', '.join(sorted(pages)[:limit])}" for key, pages in sorted(found.items()))


def test_every_page_is_walked(walk, db):
    """A page counts as walked once a user got it (200, HTML); the others are refused to GET (405, they are forms'
    targets) or are files."""
    unwalked = {}
    for name, answers in walk["answers"].items():
        opened = answers - {"no object"}
        if 200 not in opened and not (opened and opened <= {405, "file"}):
            unwalked[name] = sorted(map(str, answers))
    assert not unwalked, ("pages never shown to anyone (give the walk an object for them in translation_walk.py, "
                          f"or make the demo hold one): {unwalked}")


def test_every_string_shown_in_chinese_is_translated(walk, db):
    missing = {k: {v} for k, v in walk["missing"].items() if k not in PENDING_MSGIDS}
    assert not missing, "shown without a Chinese translation (add them to the catalog):\n" + _report(missing)


def test_no_english_word_on_a_chinese_page(walk, db):
    english = {k: v for k, v in walk["english"].items() if k not in PENDING_WORDS}
    assert not english, ("English words on Chinese pages (translate the label, or show a code as code):\n"
                         + _report(english))



def test_every_description_a_field_points_to_is_on_its_page(walk, db):
    """A field's aria-describedby names its help text or error for screen readers: the element must be there."""
    assert not walk["undescribed"], ("aria-describedby naming no element of the page:\n"
                                     + _report(walk["undescribed"]))
