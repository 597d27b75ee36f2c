from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def cell_value(submission, row, cells, column, manual_keys=()):
    """A report cell: a link to the people behind a computed number, or an input for a manual one."""
    key = column["key"]
    value = cells.get(key)
    if column["kind"] == "indicator":
        url = reverse("reports:cell", args=[submission.pk, row, key])
        if column.get("figure"):  # a figure of the catalog: its key and the unit it is counted for, to be read back
            return format_html('<a href="{}" data-figure="{}" data-unit="{}">{}</a>', url, column["figure"],
                               submission.unit.code if row == "__total__" else row, "" if value is None else value)
        return format_html('<a href="{}">{}</a>', url, "" if value is None else value)
    if row != "__total__" and key in manual_keys and submission.state in ("draft", "returned"):
        return format_html('<input name="cell:{}:{}" value="{}" inputmode="numeric" size="4" aria-label="{}">',
                           row, key, "" if value is None else value, column.get("label_zh", key))
    return "" if value is None else value
