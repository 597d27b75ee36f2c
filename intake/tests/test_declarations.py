"""The resident's declaration through a poster, and the grid worker's 待核实 queue: confirm or reject."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from core.models import AuditEntry
from intake import services
from intake.models import Declaration
from intake.tests.conftest import receipt_in
from persons import services as person_services
from persons.models import Person
from persons.selectors import categories_as_of, status_as_of
from persons.tests.conftest import resident_id


def test_declaration_creates_no_person_until_confirmed(cast, poster_a, declare):
    people = Person.objects.count()
    response = declare(poster_a.token)
    assert response.status_code == 200, response.content.decode()[:2000]
    receipt = receipt_in(response)
    declaration = Declaration.objects.get(receipt=receipt)
    assert declaration.state == Declaration.State.PENDING and declaration.unit_path == cast.community_a.path
    assert Person.objects.count() == people
    entry = AuditEntry.objects.get(object_type="intake.declaration", object_id=str(declaration.pk))
    assert entry.actor_id is None and entry.ip == "127.0.0.1" and entry.action == "create"


def test_receipt_is_long_random_and_not_sequential(cast, poster_a, declare):
    first = receipt_in(declare(poster_a.token, doc_number=resident_id(seq=372)))
    second = receipt_in(declare(poster_a.token, doc_number=resident_id(seq=373)))
    assert len(first.replace("-", "")) == 16 and first != second
    assert services.receipt_normalize(first.lower().replace("-", " ")) == first


def test_grid_worker_confirms_a_declaration_into_person_and_episodes(cast, poster_a, declare, client_for):
    declare(poster_a.token, symptoms=["cough"])
    declaration = Declaration.objects.get()
    grid_worker = client_for(cast.grid_a_worker)
    queue = grid_worker.get("/intake/")
    assert "刘晓" in queue.content.decode() and "咳嗽" in queue.content.decode()
    page = grid_worker.get(f"/intake/d/{declaration.pk}/")
    assert page.status_code == 200 and 'value="wuhan" selected' in page.content.decode()
    response = grid_worker.post(f"/intake/d/{declaration.pk}/confirm/", {
        "grid": cast.grid_a.code, "category": "wuhan", "status": "home_quarantine"})
    assert response.status_code == 302
    declaration.refresh_from_db()
    person = declaration.person
    assert declaration.state == Declaration.State.CONFIRMED and declaration.decided_by == cast.grid_a_worker
    assert person.name == "刘晓" and person.grid == cast.grid_a and person.phone == "13907381234"
    [category] = categories_as_of(person)
    assert category.category.code == "wuhan" and category.origin == declaration.origin != ""
    assert timezone.localtime(category.start).date() == declaration.arrived_on
    assert status_as_of(person).status.code == "home_quarantine"
    assert AuditEntry.objects.filter(object_type="intake.declaration", object_id=str(declaration.pk),
                                     action="update", actor=cast.grid_a_worker).exists()
    assert AuditEntry.objects.filter(object_type="persons.person", object_id=str(person.pk), action="create").exists()
    again = grid_worker.post(f"/intake/d/{declaration.pk}/confirm/", {
        "grid": cast.grid_a.code, "category": "wuhan", "status": "home_quarantine"}, follow=True)
    assert "已经处理" in again.content.decode()
    assert Person.objects.filter(doc_number=declaration.doc_number).count() == 1


def test_confirm_updates_the_person_already_on_file(cast, poster_a, declare, client_for):
    known = person_services.person_register(data={
        "name": "刘晓", "doc_type": "resident_id", "doc_number": resident_id(seq=371), "phone": "",
        "address": "旧址", "grid": cast.grid_a.code}, by=cast.grid_a_worker)
    declare(poster_a.token)
    declaration = Declaration.objects.get()
    page = client_for(cast.grid_a_worker).get(f"/intake/d/{declaration.pk}/").content.decode()
    assert f"/persons/{known.pk}/" in page  # the match is shown
    client_for(cast.grid_a_worker).post(f"/intake/d/{declaration.pk}/confirm/", {
        "grid": cast.grid_a.code, "category": "hubei", "status": "home_monitoring"})
    declaration.refresh_from_db()
    known.refresh_from_db()
    assert declaration.person == known and known.phone == "13907381234" and known.address == "三元社区5栋302"
    assert [e.category.code for e in categories_as_of(known)] == ["hubei"]
    assert Person.objects.filter(doc_number=known.doc_number).count() == 1


def test_same_name_and_phone_is_shown_as_a_probable_match(cast, poster_a, declare, client_for):
    other = person_services.person_register(data={
        "name": "刘晓", "doc_type": "passport", "doc_number": "E12345678", "birth_date": "1990-01-01",
        "phone": "13907381234", "grid": cast.grid_a.code}, by=cast.grid_a_worker)
    declare(poster_a.token)
    page = client_for(cast.grid_a_worker).get(f"/intake/d/{Declaration.objects.get().pk}/").content.decode()
    assert f"/persons/{other.pk}/" in page and "姓名和手机号码相同" in page


def test_grid_worker_rejects_a_declaration_with_a_reason(cast, poster_a, declare, client_for):
    declare(poster_a.token)
    declaration = Declaration.objects.get()
    grid_worker = client_for(cast.grid_a_worker)
    refused = grid_worker.post(f"/intake/d/{declaration.pk}/reject/", {"reason": ""}, follow=True)
    assert "原因" in refused.content.decode()
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.PENDING
    grid_worker.post(f"/intake/d/{declaration.pk}/reject/", {"reason": "电话核实：本人未到娄"})
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.REJECTED and declaration.reject_reason == "电话核实：本人未到娄"
    assert declaration.person is None and not Person.objects.filter(doc_number=declaration.doc_number).exists()


def test_receipt_shows_the_state_without_personal_data(cast, poster_a, declare, client_for):
    receipt = receipt_in(declare(poster_a.token))
    public = Client()
    waiting = public.get("/i/receipt/", {"no": receipt.lower()}).content.decode()
    assert "等待" in waiting
    declaration = Declaration.objects.get()
    client_for(cast.grid_a_worker).post(f"/intake/d/{declaration.pk}/confirm/", {
        "grid": cast.grid_a.code, "category": "wuhan", "status": "home_quarantine"})
    done = public.get("/i/receipt/", {"no": receipt}).content.decode()
    assert "已核实" in done
    for personal in ("刘晓", declaration.doc_number, declaration.doc_number[-4:], "13907381234", "1234", "5栋",
                     "武汉", cast.community_a.name, cast.grid_a.name):
        assert personal not in done


def test_unknown_and_malformed_receipts_get_the_same_answer(cast, poster_a, declare):
    receipt_in(declare(poster_a.token))
    public = Client()

    def state(no):
        html = public.get("/i/receipt/", {"no": no}).content.decode()
        return html[html.index('id="state"'):]

    unknown, malformed, injected = state("ABCD-EFGH-JKLM-NPQR"), state("123"), state("' OR 1=1 --")
    assert unknown == malformed == injected and "没有" in unknown


def test_worker_of_another_community_cannot_see_or_confirm(cast, poster_a, declare, client_for):
    declare(poster_a.token)
    declaration = Declaration.objects.get()
    outsider = client_for(cast.community_b_worker)
    assert "刘晓" not in outsider.get("/intake/").content.decode()
    assert outsider.get(f"/intake/d/{declaration.pk}/").status_code == 404
    assert outsider.post(f"/intake/d/{declaration.pk}/confirm/", {
        "grid": cast.grid_b.code, "category": "wuhan", "status": "home_quarantine"}).status_code == 404
    assert outsider.post(f"/intake/d/{declaration.pk}/reject/", {"reason": "越界"}).status_code == 404
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.PENDING


def test_declaration_through_a_grid_poster_reaches_that_grid_only(cast, declare, client_for):
    from orgunits.services import unit_create

    other_grid = unit_create(parent=cast.community_a, code=cast.community_a.code + "-02", name="三元社区第二网格",
                             kind="grid", by=None)
    poster = services.poster_create(unit=other_grid, by=cast.community_a_worker)
    declare(poster.token)
    declaration = Declaration.objects.get()
    assert client_for(cast.grid_a_worker).get(f"/intake/d/{declaration.pk}/").status_code == 404
    assert client_for(cast.community_a_worker).get(f"/intake/d/{declaration.pk}/").status_code == 200


def test_invalid_declaration_names_the_field_in_chinese(cast, poster_a, declare):
    response = declare(poster_a.token, doc_number="43130219900101123X", arrived_on=(
        timezone.localdate() + dt.timedelta(days=2)).isoformat())
    html = response.content.decode()
    assert response.status_code == 400 and "不能晚于今天" in html and not Declaration.objects.exists()
