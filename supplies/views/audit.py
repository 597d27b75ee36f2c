"""The auditor's page (the checks over a date range, with an export) and the transparency list: the form
to publish it and the public page, which needs no login."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import SUPPLIES_AUDIT, SUPPLIES_PUBLISH
from core.pages import page_call
from core.replicas import heavy_reads
from core.tabular import FORMATS
from supplies import selectors, services
from supplies.checks import BENFORD, CONFORMITY_LABELS, Params, audit_run, benford_test, money_amounts
from supplies.forms import AuditForm, PublishForm
from supplies.models import Donation, Donor, Publication, Voucher
from supplies.services.findings import findings_export
from supplies.services.transparency import publish_every_days


def _audit_form(request) -> AuditForm:
    today = timezone.localdate()
    initial = {"start": today.replace(month=1, day=1), "end": today, "hold_days": 30, "receipt_days": 15,
               "price_ratio": Decimal("1.5"), "approval_limit": Decimal(str(settings.SUPPLIES_APPROVAL_LIMIT))}
    return AuditForm({**initial, **request.GET.dict()} if request.GET else initial)


def _run(request):
    scope = access.require(request.user, SUPPLIES_AUDIT)
    form = _audit_form(request)
    if not form.is_valid():
        return form, None, None, scope
    data = form.cleaned_data
    params = Params(hold_days=data["hold_days"], receipt_days=data["receipt_days"], price_ratio=data["price_ratio"],
                    approval_limit=data["approval_limit"])
    results = audit_run(scope=scope, start=data["start"], end=data["end"], params=params)
    benford = benford_test([a for _v, _d, a in money_amounts(scope, data["start"], data["end"])],
                           minimum=params.benford_min)
    return form, results, benford, scope


@login_required
@heavy_reads()  # the audit's checks and their figures: read-only
def audit_page(request):
    """The auditor's page: every check over the date range, its findings with the vouchers behind them."""
    form, results, benford, _scope = _run(request)
    numbers = {}
    if results:
        ids = {v for _c, findings in results for f in findings for v in f.vouchers}
        numbers = {pk: Voucher(pk=pk).number for pk in ids}
    return render(request, "supplies/audit.html", {
        "form": form, "results": results, "numbers": numbers, "benford": benford,
        "benford_label": CONFORMITY_LABELS.get(benford.conformity) if benford else None,
        "benford_rows": [(d, benford.counts.get(d, 0), 100 * benford.share(d), 100 * p, benford.z.get(d, 0.0))
                         for d, p in BENFORD.items()]
        if benford and benford.n else [],
        "query": request.GET.urlencode(),
    })


@login_required
@heavy_reads()
def audit_export(request, fmt: str):
    """The findings as CSV or XLSX (the export is audited)."""
    if fmt not in FORMATS:
        raise Http404
    form, results, _benford, scope = _run(request)
    if results is None:
        messages.error(request, _("Correct the date range first."))
        return redirect("supplies:audit")
    data = form.cleaned_data
    return findings_export(results=results, scope=scope, start=data["start"], end=data["end"], fmt=fmt,
                           by=request.user)


# -- transparency ---------------------------------------------------------------------------------------------

@login_required
def publish(request):
    """Publish a unit's list of donations (every N days; the history is kept)."""
    access.require(request.user, SUPPLIES_PUBLISH)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = access.unit_get_for_user(request.user, form.cleaned_data["unit"].strip(), perm=SUPPLIES_PUBLISH)
        posted = page_call(request, lambda: services.transparency_publish(
            unit=unit, until=form.cleaned_data["until"], by=request.user), done=_("Published."))
        if posted:
            return redirect(f"{reverse('supplies:public')}?publication={posted.result.pk}")
    scope = access.scope_for(request.user, SUPPLIES_PUBLISH)
    recent = Publication.objects.filter(scope.q()).select_related("unit")[:50]
    return render(request, "supplies/publish.html", {
        "form": form, "recent": recent, "every": publish_every_days()})


def public(request):
    """The public list (no login): the chosen or latest publication, and the history of publications."""
    unit_code = request.GET.get("unit", "").strip()
    publications = selectors.publications_public(unit_code=unit_code)
    chosen = None
    wanted = request.GET.get("publication", "")
    if wanted:
        chosen = publications.filter(pk=wanted).first() if wanted.isdigit() else None
        if chosen is None:
            raise Http404
    else:
        chosen = publications.first()
    kinds, channels = dict(Donation.Kind.choices), dict(Donation.Channel.choices)
    donor_kinds = dict(Donor.Kind.choices)
    rows = []
    if chosen is not None:
        for row in chosen.rows:
            rows.append({**row, "kind_label": kinds.get(row["kind"], row["kind"]),
                         "channel_label": channels.get(row["channel"], row["channel"]),
                         "donor_kind_label": donor_kinds.get(row["donor_kind"], row["donor_kind"])})
    return render(request, "supplies/public.html", {
        "chosen": chosen, "rows": rows, "history": publications[:200], "unit_code": unit_code,
        "every": publish_every_days(),
    })
