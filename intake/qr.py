"""QR codes of posters and self-report links, written by segno (PNG and PDF, no imaging library needed).

Sizes keep the code readable from a printed A4 poster and a phone screen: medium error correction, at least
MODULE_PX pixels a module in the PNG, and a PDF symbol of about PDF_SYMBOL_MM millimetres."""

import io

import segno
from django.conf import settings
from django.urls import reverse

MODULE_PX = 10
BORDER = 4
PDF_SYMBOL_MM = 80


def public_url(request, name: str, token: str) -> str:
    """The address a QR code leads to: SITE_URL's when set (what residents' phones reach), else this request's."""
    path = reverse(name, args=[token])
    return settings.SITE_URL + path if settings.SITE_URL else request.build_absolute_uri(path)


def qr_make(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_make(url).save(out, kind="png", scale=MODULE_PX, border=BORDER)
    return out.getvalue()


def qr_pdf(url: str) -> bytes:
    code = qr_make(url)
    width, _height = code.symbol_size(scale=1, border=BORDER)
    points = PDF_SYMBOL_MM / 25.4 * 72  # the symbol's side in PDF points
    out = io.BytesIO()
    code.save(out, kind="pdf", scale=points / width, border=BORDER)
    return out.getvalue()

