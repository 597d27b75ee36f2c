"""`{% intake_queue_link %}`: the link to the declarations waiting in the user's units, with their number (the grid
worker's day shows it)."""

from django import template

from intake.selectors import declarations_queue

register = template.Library()


@register.inclusion_tag("intake/_queue_link.html", takes_context=True)
def intake_queue_link(context):
    user = context["request"].user
    return {"waiting": declarations_queue(user).count()}
