"""{{ text|code_spans }}: a help text or message with `backticked` parts (an expression, a key) shown as code."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def code_spans(text) -> SafeString:
    """The text escaped, each `…` in it as <code>…</code> (a lone backtick stays as it is)."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one opens nothing
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    return mark_safe("".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p)  # noqa: S308 (escaped)
                             for i, p in enumerate(parts)))
