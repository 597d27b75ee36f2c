"""The public declaration page refuses floods and programs: rate limits per address and per poster, the check
question (signed, answered, not too fast, used once), the honeypot, the body size."""

import re

from django.test import Client

from intake.models import Declaration
from intake.tests.conftest import answer_of, challenge_in, declaration_fields
from persons.tests.conftest import resident_id


def _sent(response) -> bool:
    return response.status_code == 200 and 'id="receipt"' in response.content.decode()


def test_address_rate_limit_refuses_in_chinese(cast, poster_a, declare, settings):
    settings.INTAKE_RATE_ADDRESS = "3/hour"
    client = Client()
    answers = [declare(poster_a.token, client, doc_number=resident_id(seq=400 + i)) for i in range(4)]
    assert [_sent(a) for a in answers] == [True, True, True, False]
    assert answers[3].status_code == 429
    assert "提交次数过多" in answers[3].content.decode() and "一小时内最多3次" in answers[3].content.decode()
    assert Declaration.objects.count() == 3


def test_address_is_the_connection_unless_proxies_are_trusted(cast, poster_a, declare, settings):
    settings.INTAKE_RATE_ADDRESS = "1/hour"
    spoofing = Client(HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert _sent(declare(poster_a.token, spoofing, doc_number=resident_id(seq=410)))
    spoofing = Client(HTTP_X_FORWARDED_FOR="10.0.0.2")  # a header nobody trusts changes nothing
    assert declare(poster_a.token, spoofing, doc_number=resident_id(seq=411)).status_code == 429
    settings.PROXY_COUNT = 1  # behind one trusted proxy, the address it names counts
    assert _sent(declare(poster_a.token, Client(HTTP_X_FORWARDED_FOR="10.0.0.3"), doc_number=resident_id(seq=412)))


def test_poster_rate_limit_refuses_whatever_the_address(cast, poster_a, declare, settings):
    settings.INTAKE_RATE_POSTER = "2/hour"
    settings.PROXY_COUNT = 1
    answers = [declare(poster_a.token, Client(HTTP_X_FORWARDED_FOR=f"10.1.0.{i}"), doc_number=resident_id(seq=420 + i))
               for i in range(3)]
    assert [_sent(a) for a in answers] == [True, True, False]
    assert answers[2].status_code == 429 and "提交次数过多" in answers[2].content.decode()


def test_wrong_answer_is_refused(cast, poster_a, declare):
    response = declare(poster_a.token, answer="99")
    assert response.status_code == 400 and "验证问题回答不正确" in response.content.decode()
    assert not Declaration.objects.exists()


def test_honeypot_filled_is_refused(cast, poster_a, declare):
    response = declare(poster_a.token, website="http://spam.example")
    assert response.status_code == 400 and not Declaration.objects.exists()


def test_form_sent_faster_than_a_person_fills_it_is_refused(cast, poster_a, declare, settings):
    settings.INTAKE_MIN_FILL_SECONDS = 30
    assert declare(poster_a.token).status_code == 400 and not Declaration.objects.exists()


def test_a_question_answers_one_form_only(cast, poster_a):
    client = Client()
    signed = challenge_in(client.get(f"/i/d/{poster_a.token}/"))
    first = client.post(f"/i/d/{poster_a.token}/", {**declaration_fields(), "challenge": signed,
                                                     "answer": answer_of(signed)})
    again = client.post(f"/i/d/{poster_a.token}/", {**declaration_fields(doc_number=resident_id(seq=430)),
                                                     "challenge": signed, "answer": answer_of(signed)})
    assert _sent(first) and again.status_code == 400 and Declaration.objects.count() == 1


def test_a_forged_question_is_refused(cast, poster_a):
    response = Client().post(f"/i/d/{poster_a.token}/", {**declaration_fields(), "challenge": "a:b:c", "answer": "2"})
    assert response.status_code == 400 and not Declaration.objects.exists()


def test_oversize_body_is_refused_before_it_is_read(cast, poster_a, settings):
    settings.INTAKE_MAX_BODY_KB = 4
    client = Client()
    signed = challenge_in(client.get(f"/i/d/{poster_a.token}/"))
    response = client.post(f"/i/d/{poster_a.token}/", {**declaration_fields(note="长" * 3000), "challenge": signed,
                                                        "answer": answer_of(signed)})
    assert response.status_code == 413 and "4 KB" in response.content.decode()
    assert not Declaration.objects.exists()


def test_unknown_and_revoked_posters_get_the_same_answer(cast, poster_a, client_for):
    from intake import services

    services.poster_revoke(poster=poster_a, by=cast.community_a_worker)
    revoked = Client().get(f"/i/d/{poster_a.token}/")
    unknown = Client().get("/i/d/" + "x" * 32 + "/")
    assert revoked.status_code == unknown.status_code == 404
    strip = re.compile(r"csrfmiddlewaretoken[^>]*")
    assert strip.sub("", revoked.content.decode()) == strip.sub("", unknown.content.decode())
    assert "链接无效" in revoked.content.decode()
