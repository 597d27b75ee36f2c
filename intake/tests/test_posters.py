"""Posters: a QR code (PNG and PDF) of a printable size leading to the declaration page by an unguessable token."""

import re
import struct

import segno

from intake import qr
from intake.models import Poster


def test_worker_makes_a_poster_whose_png_and_pdf_are_printable_qr_codes(cast, client_for):
    client = client_for(cast.grid_a_worker)
    response = client.post("/intake/posters/", {"unit": cast.grid_a.code})
    poster = Poster.objects.get()
    assert response.status_code == 302 and poster.unit == cast.grid_a
    page = client.get(f"/intake/posters/{poster.pk}/").content.decode()
    url = re.search(r'id="poster-url">([^<]+)<', page).group(1)
    assert url == f"http://testserver/i/d/{poster.token}/"
    png = client.get(f"/intake/posters/{poster.pk}/poster.png")
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.content[16:24])
    side, _side = qr.qr_make(url).symbol_size(scale=1, border=qr.BORDER)
    assert width == height == side * qr.MODULE_PX and qr.MODULE_PX >= 8  # 8+ pixels a module: a phone reads it
    pdf = client.get(f"/intake/posters/{poster.pk}/poster.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.content)
    millimetres = float(box.group(1)) / 72 * 25.4
    assert 70 <= millimetres <= 120  # the symbol about 8 cm wide on paper
    assert segno.make(url, error="m").designator == qr.qr_make(url).designator


def test_poster_token_is_unguessable_and_names_no_unit(cast):
    from intake import services

    tokens = {services.poster_create(unit=cast.community_a, by=cast.community_a_worker).token for _i in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert len(token) >= 32 and cast.community_a.code not in token


def test_worker_of_another_community_cannot_open_or_revoke_a_poster(cast, poster_a, client_for):
    outsider = client_for(cast.community_b_worker)
    for url in (f"/intake/posters/{poster_a.pk}/", f"/intake/posters/{poster_a.pk}/poster.png",
                f"/intake/posters/{poster_a.pk}/poster.pdf"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/intake/posters/{poster_a.pk}/revoke/").status_code == 404
    assert poster_a.token not in outsider.get("/intake/posters/").content.decode()
    refused = outsider.post("/intake/posters/", {"unit": cast.community_a.code})
    assert refused.status_code == 200 and not Poster.objects.filter(created_by=cast.community_b_worker).exists()


def test_a_revoked_poster_leads_nowhere(cast, poster_a, client_for):
    client_for(cast.community_a_worker).post(f"/intake/posters/{poster_a.pk}/revoke/")
    poster_a.refresh_from_db()
    assert poster_a.revoked_at is not None
    assert client_for(cast.community_a_worker).get(f"/intake/posters/{poster_a.pk}/poster.png").status_code == 404
