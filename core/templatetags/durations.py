from django import template

from core.durations import duration_text

register = template.Library()


@register.filter
def duration(value) -> str:
    """{{ minutes|duration }} or {{ timedelta|duration }}: 2 天 3 小时, 5 小时 20 分钟, 12 分钟."""
    if value in (None, ""):
        return ""
    return duration_text(value)
