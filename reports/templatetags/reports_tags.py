from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports.computations import value_text

register = template.Library()


@register.simple_tag
def cell_value(submission, row, cells, column, manual_keys=(), typed=None, cell_errors=None, changed=None):
    """A report cell: a link to the people behind a computed number, or an input for a manual one (what was typed
    kept, with the reason it was refused beside it); a cell changed since the version last seen says from what."""
    key = column["key"]
    value = cells.get(key)
    name = f"{row}.{key}"
    was = (changed or {}).get(name)
    if column["kind"] == "indicator":
        url = reverse("reports:cell", args=[submission.pk, row, key])
        if column.get("figure"):  # a figure of the catalog: its key and the unit it is counted for, to be read back
            link = format_html('<a href="{}" data-figure="{}" data-unit="{}">{}</a>', url, column["figure"],
                               submission.unit.code if row == "__total__" else row, "" if value is None else value)
        else:
            link = format_html('<a href="{}">{}</a>', url, "" if value is None else value)
        return _changed(link, was)
    if row != "__total__" and key in manual_keys and submission.state in ("draft", "returned"):
        shown = (typed or {}).get(name, "" if value is None else value)
        reasons = (cell_errors or {}).get(name) or []
        label = f"{column.get('label') or column.get('label_zh') or ''}"
        if not reasons:
            return _changed(format_html(
                '<input name="cell:{}:{}" value="{}" inputmode="numeric" size="4" aria-label="{}">',
                row, key, shown, label), was)
        return format_html(
            '<input name="cell:{}:{}" value="{}" inputmode="numeric" size="4" aria-label="{}" aria-invalid="true" '
            'aria-describedby="cell-error-{}" class="invalid"><span class="errorlist cell-error" id="cell-error-{}">{}'
            '</span>', row, key, shown, label, name, name, "；".join(reasons))
    return _changed("" if value is None else value, was)


def _changed(html, was):
    """The cell marked as changed since the version last seen, with its value then."""
    if was is None:
        return html
    return format_html('<span class="changed" title="{}">{}</span>',
                       _("was %(value)s") % {"value": value_text(was.old)}, html)
