"""The list and the person's page with their lighter rendering: the list's rows built in one pass, the forms'
fields kept in the process's cache (core.templatetags.form_cache). What each user sees stays theirs."""

from django.core.cache import caches
from django.urls import reverse

from core.forms import model_choices_shown
from orgunits.models import Site
from persons import selectors, services
from persons.forms import StatusForm
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id


def _hotel(unit, name):
    return Site.objects.create(unit=unit, unit_path=unit.path, kind=Site.Kind.QUARANTINE_HOTEL, name=name)


def test_a_community_worker_never_sees_another_community_s_quarantine_sites_kept_for_its_page(
        cast, people, client_for):
    _hotel(cast.community_a, "三元社区隔离宾馆")
    _hotel(cast.community_b, "月塘社区隔离宾馆")
    for _ in range(2):  # the second time, the forms' fields come from the cache
        a = client_for(cast.community_a_worker).get(f"/persons/{people[0].pk}/").content.decode()
        b = client_for(cast.community_b_worker).get(f"/persons/{people[1].pk}/").content.decode()
        assert "三元社区隔离宾馆" in a and "月塘社区隔离宾馆" not in a
        assert "月塘社区隔离宾馆" in b and "三元社区隔离宾馆" not in b


def test_the_person_page_keeps_its_forms_fields_in_the_process_s_cache(cast, people, client_for):
    from core.templatetags.form_cache import fragment_key

    page = client_for(cast.street_officer).get(f"/persons/{people[0].pk}/").content.decode()
    status_form = StatusForm()  # as the page builds it
    status_form.fields["site"].widget.choices = [("", "—")]
    model_choices_shown(status_form, "status", selectors.statuses_all())
    kept = caches["process"].get(fragment_key(status_form))
    assert kept is not None and kept in page
    assert client_for(cast.street_officer).get(f"/persons/{people[0].pk}/").content.decode().count(kept) == 1


def test_a_renamed_category_shows_its_new_name_in_the_person_page_s_form_at_once(cast, people, client_for):
    client = client_for(cast.street_officer)
    category = Category.objects.filter(active=True).order_by("pk").first()
    assert f">{category.name_zh}</option>" in client.get(f"/persons/{people[0].pk}/").content.decode()
    old = category.name_zh
    category.name_zh = "新的类别名称"
    category.save()
    page = client.get(f"/persons/{people[0].pk}/").content.decode()
    assert ">新的类别名称</option>" in page and f">{old}</option>" not in page


def test_the_list_rows_link_each_person_and_show_their_state_escaped(cast, person_data, client_for):
    person = services.person_register(data=person_data(name="<b>王五</b>", doc_number=resident_id(seq=333)), by=None)
    category = Category.objects.filter(active=True).order_by("pk").first()
    services.category_assign(person=person, category=category, by=None)
    page = client_for(cast.community_a_worker).get("/persons/").content.decode()
    row = page.split('<td class="name">', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="{reverse("persons:detail", args=[person.pk])}">&lt;b&gt;王五&lt;/b&gt;</a>' in row
    assert f'<td class="mono doc">{person.doc_number[:6]}********{person.doc_number[-4:]}</td>' in row
    assert f'<td class="grid">{cast.grid_a.name}</td>' in row
    assert f'<td class="cats"><span class="tag">{category.name}</span></td>' in row
    assert "<b>" not in page.split("<table", 1)[1]
    empty = client_for(cast.community_a_worker).get("/persons/", {"name": "没有这个人"}).content.decode()
    assert "没有符合条件的人员。" in empty


def test_the_list_names_a_category_no_longer_offered_in_its_filter_and_the_status_held(cast, person_data,
                                                                                        client_for):
    person = services.person_register(data=person_data(name="赵六", doc_number=resident_id(seq=334)), by=None)
    retired, kept = Category.objects.filter(active=True).order_by("pk")[:2]
    services.category_assign(person=person, category=retired, by=None)
    services.category_assign(person=person, category=kept, by=None)
    status = ManagementStatus.objects.filter(needs_site=False).order_by("pk").first()
    services.status_set(person=person, status=status, by=None)
    Category.objects.filter(pk=retired.pk).update(active=False)  # held still, no longer a filter's choice
    page = client_for(cast.community_a_worker).get("/persons/").content.decode()
    row = page.split(">赵六</a>", 1)[1].split("</tr>", 1)[0]
    assert f'<span class="tag">{retired.name}</span><span class="tag">{kept.name}</span>' in row
    assert f'<td class="status">{status.name}</td>' in row
    assert f'<option value="{retired.code}">' not in page
