"""A street's own 台账 goes in as it is: its headers known without a mapping, its dates as Excel and officers write
them, a person listed twice merged, communities named instead of grids, 管控措施 as a status, messages in Chinese
whoever imports."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.errors import DomainError
from orgunits.models import Site
from persons.importing import readers
from persons.importing.columns import columns_find
from persons.models import CategoryEpisode, ImportJob, ImportMapping, Person, StatusEpisode
from persons.tests.test_import import csv_bytes, resident_id

STREET = ["序号", "姓名", "性别", "身份证号码", "联系电话", "现居住地址", "所属社区", "人员类别", "来娄时间", "管控措施", "备注"]


def street_row(i: int, *, name="", community="三元社区", category="涉鄂人员", arrived="2020-03-27",
               status="居家隔离", phone="", notes="") -> list[str]:
    return [str(i + 1), name or f"王{'伟芳娜敏静丽强磊军洋'[i % 10]}{'一二三四五六七八九十'[i // 10 % 10]}", "",
            resident_id(i), phone or f"138{i:08d}", f"长青街道{i + 1}栋", community, category, arrived, status, notes]


def local(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def test_a_street_sheet_is_imported_at_the_street_without_a_mapping(cast, run):
    rows = [street_row(0), street_row(1, community="月塘", status="居家观察", notes="独居")]

    job = run(csv_bytes(rows, header=STREET), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    first, second = (Person.objects.get(doc_number=resident_id(i)) for i in range(2))
    assert (first.grid, first.address, first.phone) == (cast.community_a, "长青街道1栋", "13800000000")
    assert (second.grid, second.notes) == (cast.community_b, "独居")
    episode = CategoryEpisode.objects.get(person=first)
    assert (episode.category.name_zh, episode.start) == ("涉鄂人员", local(dt.date(2020, 3, 27)))
    status = StatusEpisode.objects.get(person=second)
    assert (status.status.name_zh, status.start) == ("居家隔离", local(dt.date(2020, 3, 27)))
    assert status.planned_end == local(dt.date(2020, 4, 10))
    assert "2 人" in job.message and "待分配网格" in job.message


def test_importing_the_same_street_sheet_again_changes_nothing(cast, run):
    content = csv_bytes([street_row(i) for i in range(3)], header=STREET)
    run(content, by=cast.street_officer, unit=cast.street)

    again = run(content, by=cast.street_officer, unit=cast.street, name="again.csv")

    assert (again.state, again.created, again.updated, again.unchanged) == (ImportJob.State.DONE, 0, 0, 3)
    assert (CategoryEpisode.objects.count(), StatusEpisode.objects.count()) == (3, 3)


@pytest.mark.parametrize("title,field", [("居住地址", "address"), ("家庭住址", "address"), ("所属网格", "grid"),
                                         ("类别", "category"), ("返娄时间", "category_start"),
                                         ("抵娄时间", "category_start"), ("到达时间", "category_start"),
                                         ("管理措施", "status"), ("管控状态", "status"), ("来源地", "origin"),
                                         ("从何地来", "origin"), ("身份证号", "doc_number"), ("证件号码", "doc_number"),
                                         ("手机号码", "phone"), ("电话", "phone"), ("社区", "community")])
def test_the_common_titles_of_street_and_community_sheets_are_known(title, field):
    header = ["序号", "姓名", title] + ([] if field == "doc_number" else ["身份证号码"])
    found = columns_find(iter([(1, header)]), explicit={}, custom_fields=[], grid_required=False)
    assert (2, field) in found.fields and 0 not in {i for i, _k in found.fields}


def test_two_columns_for_one_field_are_named_by_the_fields_title_not_its_key():
    with pytest.raises(DomainError) as refused:
        columns_find(iter([(1, ["姓名", "身份证号码", "证件号码"])]), explicit={}, custom_fields=[],
                     grid_required=False)
    assert "证件号码" in str(refused.value.message) and "doc_number" not in str(refused.value.message)


def test_an_unknown_column_is_named_with_the_field_it_is_closest_to(cast, run):
    header = ["姓名", "身份证号码", "户籍住址", "所属网格"]

    job = run(csv_bytes([["王伟", resident_id(1), "娄星区", cast.grid_a.code]], header=header),
              by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.REJECTED
    assert "户籍住址（最接近：现住址）" in job.message and "address" not in job.message


def test_a_mapping_saved_once_is_known_in_the_next_file(cast, run):
    ImportMapping.objects.create(name="长青街道台账", columns={"户籍住址": "address"})

    job = run(csv_bytes([["王伟", resident_id(1), "娄星区", cast.grid_a.code]],
                        header=["姓名", "身份证号码", "户籍住址", "所属网格"]), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    assert Person.objects.get().address == "娄星区"


@pytest.mark.parametrize("cell,day", [("2020-03-05", dt.date(2020, 3, 5)), ("2020/3/5", dt.date(2020, 3, 5)),
                                      ("2020.03.05", dt.date(2020, 3, 5)), ("2020年3月5日", dt.date(2020, 3, 5)),
                                      ("43920", dt.date(2020, 3, 30)), ("2020/3/5 14:30", dt.date(2020, 3, 5)),
                                      ("2020-03-05T08:00:00", dt.date(2020, 3, 5)), ("２０２０．３．５", dt.date(2020, 3, 5))])
def test_arrival_dates_in_the_ways_sheets_write_them(cast, run, cell, day):
    job = run(csv_bytes([street_row(0, arrived=cell)], header=STREET), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    assert CategoryEpisode.objects.get().start == local(day)


def test_a_date_without_a_year_takes_the_most_common_year_of_the_file(cast, run):
    rows = [street_row(0, arrived="3月27日"), street_row(1, arrived="2020/3/1"), street_row(2, arrived="2020-02-01"),
            street_row(3, arrived="2019-12-30")]

    job = run(csv_bytes(rows, header=STREET), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    assert CategoryEpisode.objects.get(person__doc_number=resident_id(0)).start == local(dt.date(2020, 3, 27))


def test_a_date_without_a_year_takes_the_year_the_officer_gave(cast, run):
    rows = [street_row(0, arrived="3月27日"), street_row(1, arrived="2020/3/1")]

    job = run(csv_bytes(rows, header=STREET), by=cast.street_officer, unit=cast.street, year=2021)

    assert job.state == ImportJob.State.DONE, job.message
    assert CategoryEpisode.objects.get(person__doc_number=resident_id(0)).start == local(dt.date(2021, 3, 27))


def test_a_date_without_a_year_is_refused_when_no_year_can_be_known(cast, run):
    job = run(csv_bytes([street_row(0, arrived="3月27日")], header=STREET), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.REJECTED
    with job.error_file.open("rb") as f:
        reason = f.read().decode("utf-8-sig")
    assert "来娄时间: 3月27日 没有年份" in reason and "上传页面" in reason


def test_a_person_listed_twice_is_one_person_with_both_categories_and_the_later_fields(cast, run, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK", 3)
    rows = [street_row(i) for i in range(5)]
    rows.append(street_row(1, category="密切接触者", arrived="2020-03-29", status="集中隔离", phone="13900000001"))
    rows.append(street_row(4, phone="13900000004"))  # in the same chunk as its first row

    job = run(csv_bytes(rows, header=STREET), by=cast.street_officer, unit=cast.street)

    assert (job.state, job.created, job.updated) == (ImportJob.State.DONE, 5, 0), job.message
    twice = Person.objects.get(doc_number=resident_id(1))
    assert twice.phone == "13900000001"
    assert sorted(twice.category_episodes.values_list("category__name_zh", flat=True)) == ["密切接触者", "涉鄂人员"]
    assert twice.status_episodes.get(end__isnull=True).status.name_zh == "集中隔离"
    assert Person.objects.get(doc_number=resident_id(4)).phone == "13900000004"
    assert "第 7 行并入第 3 行" in job.message and "第 8 行并入第 6 行" in job.message


def test_the_same_document_under_another_name_is_an_error(cast, run):
    rows = [street_row(0), street_row(0, name="李四")]

    job = run(csv_bytes(rows, header=STREET), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.REJECTED and job.error_rows == 1
    with job.error_file.open("rb") as f:
        assert "与第 2 行证件号码相同，但姓名不同" in f.read().decode("utf-8-sig")


def test_an_unknown_community_is_an_error_listing_the_streets_communities(cast, run):
    job = run(csv_bytes([street_row(0, community="红旗社区")], header=STREET), by=cast.street_officer,
              unit=cast.street)

    assert job.state == ImportJob.State.REJECTED
    with job.error_file.open("rb") as f:
        reason = f.read().decode("utf-8-sig")
    assert "未知的社区“红旗社区”。长青街道的社区有：三元社区、月塘社区。" in reason


def test_a_grid_named_within_its_community_places_the_person_in_that_grid(cast, run):
    header = ["姓名", "身份证号码", "所属社区", "所属网格"]

    job = run(csv_bytes([["王伟", resident_id(1), "三元", "第一网格"]], header=header), by=cast.street_officer,
              unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    assert Person.objects.get().grid == cast.grid_a


def test_central_quarantine_without_a_site_is_allowed_and_flagged(cast, run):
    hotel = Site.objects.create(unit=cast.street, unit_path=cast.street.path, kind=Site.Kind.QUARANTINE_HOTEL,
                                name="长青宾馆")
    rows = [street_row(0, status="集中隔离"), street_row(1, status="集中医学观察"), street_row(2, status="住院")]
    header = [*STREET, "隔离点"]
    rows = [rows[0] + [""], rows[1] + ["长青宾馆"], rows[2] + [""]]

    job = run(csv_bytes(rows, header=header), by=cast.street_officer, unit=cast.street)

    assert job.state == ImportJob.State.DONE, job.message
    assert [(e.status.name_zh, e.site) for e in StatusEpisode.objects.order_by("person__doc_number")] == [
        ("集中隔离", None), ("集中隔离", hotel), ("住院治疗", None)]
    assert "需要隔离点但未填写的 1 人（第 2 行）" in job.message


def test_the_management_command_speaks_chinese(cast, tmp_path):
    path = tmp_path / "street.csv"
    path.write_bytes(csv_bytes([["王伟", resident_id(1), "娄星区", cast.grid_a.code]],
                               header=["姓名", "身份证号码", "户籍住址", "所属网格"]))

    with pytest.raises(CommandError):
        call_command("persons_import", str(path), "--unit", cast.street.code)

    assert "未知的列" in ImportJob.objects.get().message
    with pytest.raises(CommandError) as refused:
        call_command("persons_import", str(tmp_path / "street.txt"), "--unit", cast.street.code)
    assert "no such file" in str(refused.value)  # the command's own words for a path it cannot open
    (tmp_path / "street.txt").write_text("x")
    with pytest.raises(CommandError) as refused:
        call_command("persons_import", str(tmp_path / "street.txt"), "--unit", cast.street.code)
    assert "不是 CSV 或 XLSX 文件" in str(refused.value)


def test_an_english_speaking_importer_gets_the_error_file_in_chinese(cast, run):
    cast.street_officer.language = "en"
    cast.street_officer.save()

    job = run(csv_bytes([street_row(0, community="红旗社区")], header=STREET), by=cast.street_officer,
              unit=cast.street)

    with job.error_file.open("rb") as f:
        assert "未知的社区" in f.read().decode("utf-8-sig")
    assert "没有写入" in job.message or "未写入" in job.message


def test_the_year_given_must_be_a_year_of_dates(cast, run):
    with pytest.raises(DomainError):
        run(csv_bytes([street_row(0)], header=STREET), by=cast.street_officer, unit=cast.street, year=3020)



def test_the_api_takes_the_year_and_answers_in_chinese_to_an_english_speaking_officer(cast, client_for,
                                                                                     django_capture_on_commit_callbacks):
    from django.urls import reverse

    cast.street_officer.language = "en"
    cast.street_officer.save()
    client = client_for(cast.street_officer)
    rows = [street_row(0, arrived="3月27日"), street_row(1, community="红旗社区")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:person_import_create"), {
            "file": ContentFile(csv_bytes(rows, header=STREET), name="台账.csv"), "unit": cast.street.code,
            "year": "2021", "keep_valid": "true"})

    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert (job.state, job.year, job.created, job.error_rows) == (ImportJob.State.DONE, 2021, 1, 1), job.message
    assert CategoryEpisode.objects.get().start == local(dt.date(2021, 3, 27))
    assert job.message.startswith("新增 1 人")


def test_a_sheet_listing_a_person_twice_imported_again_opens_no_status(cast, run):
    rows = [street_row(0, status="居家隔离", arrived="2020-03-01"), street_row(1),
            street_row(0, status="集中隔离", arrived="2020-03-05")]
    content = csv_bytes(rows, header=STREET)
    run(content, by=cast.street_officer, unit=cast.street)
    assert [e.status.name_zh for e in StatusEpisode.objects.filter(person__doc_number=resident_id(0))] == [
        "居家隔离", "集中隔离"]

    run(content, by=cast.street_officer, unit=cast.street, name="again.csv")

    assert StatusEpisode.objects.filter(person__doc_number=resident_id(0)).count() == 2
    assert StatusEpisode.objects.get(person__doc_number=resident_id(0), end__isnull=True).status.name_zh == "集中隔离"


def test_a_status_recorded_after_the_sheets_date_is_kept(cast, run):
    run(csv_bytes([street_row(0, status="居家隔离", arrived="2020-03-01")], header=STREET), by=cast.street_officer,
        unit=cast.street)
    StatusEpisode.objects.filter(end__isnull=True).update(start=local(dt.date(2020, 3, 10)))

    run(csv_bytes([street_row(0, status="住院治疗", arrived="2020-03-01")], header=STREET), by=cast.street_officer,
        unit=cast.street, name="older.csv")

    assert StatusEpisode.objects.get().status.name_zh == "居家隔离"
