"""`{% form_fields form %}` (core.templatetags.form_cache): a form's fields as templates/form_fields.html renders
them, kept in the process's cache under a digest of everything the rendering reads."""

from django import forms
from django.core.cache import caches
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from core.templatetags.form_cache import fragment_key

TAG = Template("{% load form_cache %}{% form_fields form %}")


class SiteForm(forms.Form):
    site = forms.IntegerField(label="隔离点", required=False, widget=forms.Select)
    note = forms.CharField(label="备注", max_length=20, help_text="写 `简短` 的说明")
    day = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _site_form(*sites, data=None):
    form = SiteForm(data)
    form.fields["site"].widget.choices = [("", "—")] + list(sites)
    return form


def _tag(form) -> str:
    return TAG.render(Context({"form": form}))


def test_a_form_s_fields_through_the_cache_are_what_the_template_renders(db):
    cache = caches["process"]
    cache.clear()  # what earlier tests in this process rendered
    for form in (_site_form((1, "宾馆甲")), _site_form((1, "宾馆甲"), data={"site": "x", "note": "<b>" * 30})):
        direct = render_to_string("form_fields.html", {"form": form})
        assert cache.get(fragment_key(form)) is None
        assert _tag(form) == direct  # rendered, then kept
        assert cache.get(fragment_key(form)) == direct
        assert _tag(form) == direct  # from the cache
    assert "&lt;b&gt;" in direct and "<b>" not in direct  # a posted value stays escaped in the kept fragment


def test_forms_that_render_differently_never_share_a_cached_fragment(db):
    first = _tag(_site_form((1, "三元社区隔离宾馆")))
    other_scope = _tag(_site_form((2, "月塘社区隔离宾馆")))
    assert "三元社区隔离宾馆" in first
    assert "月塘社区隔离宾馆" in other_scope and "三元社区隔离宾馆" not in other_scope
    renamed = _tag(_site_form((1, "三元宾馆（新）")))
    assert "三元宾馆（新）" in renamed and "三元社区隔离宾馆" not in renamed
    posted = _tag(_site_form((1, "三元社区隔离宾馆"), data={"site": "1", "note": "第二次"}))
    assert 'value="第二次"' in posted and "selected" in posted
    invalid = _tag(_site_form((1, "三元社区隔离宾馆"), data={"site": "1", "note": ""}))
    assert 'class="errorlist"' in invalid and 'class="errorlist"' not in posted


def test_each_language_has_its_own_fragment(db):
    from persons.forms import HealthCheckForm

    with translation.override("zh-hans"):
        chinese = _tag(HealthCheckForm())
    with translation.override("en"):
        english = _tag(HealthCheckForm())
    assert "体温" in chinese and "体温" not in english
    assert "temperature" in english
