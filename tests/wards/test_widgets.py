"""The widgets rendered in Python (wards.widgets) give exactly the HTML of Django's own widget templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from wards import widgets

ATTRS = [
    {},
    {"class": "form-control form-control-sm", "inputmode": "numeric", "autocomplete": "off"},
    {"class": "a", "disabled": True, "readonly": False, "aria-invalid": "true", "data-n": 20000, "data-x": None},
    {"title": "quotes \" ' <tags> & ampersands", "data-safe": mark_safe("<b>kept</b>")},
]
VALUES = [None, "", "0", "1.234,5", 20000, 'Có "nháy" <và> & ký tự', mark_safe("<i>an toàn</i>")]


def pairs():
    yield widgets.TextInput, forms.TextInput
    yield widgets.HiddenInput, forms.HiddenInput
    yield widgets.Textarea, forms.Textarea
    yield widgets.CheckboxInput, forms.CheckboxInput


@pytest.mark.parametrize("ours, django", list(pairs()))
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [*VALUES, True, False])
def test_inputs_render_as_django_templates(ours, django, attrs, value):
    extra = {"id": "id_ind-5-1-count", "required": True}
    assert ours(attrs=attrs).render("ind-5-1-count", value, extra) == django(attrs=attrs).render(
        "ind-5-1-count", value, extra
    )


CHOICES = [
    [("", "— chưa nhập —"), ("co", "Có"), ("khong", "Không")],
    [("", gettext_lazy("— chưa kết luận —")), ("pass", gettext_lazy("Đạt")), (1, 1000), ("<x>", 'a "b" & c')],
    [("", "—"), ("Nhóm <I>", [("a", "A"), ("b", "B & b")]), ("Nhóm II", [("c", "C")])],
]


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", "co", "pass", "b", 1, "<x>"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_select_renders_as_django_templates(choices, attrs, value, language):
    with override(language):
        ours = widgets.Select(attrs=attrs, choices=choices).render("ind-1-1-yes", value, {"id": "id_ind-1-1-yes"})
        theirs = forms.Select(attrs=attrs, choices=choices).render("ind-1-1-yes", value, {"id": "id_ind-1-1-yes"})
    assert ours == theirs


def test_another_template_still_renders_through_it(settings, tmp_path):
    folder = tmp_path / "django" / "forms" / "widgets"
    folder.mkdir(parents=True)
    (folder / "mine.html").write_text("<mine name={{ widget.name }}>")

    class Mine(widgets.TextInput):
        template_name = "django/forms/widgets/mine.html"

    from django.forms.renderers import DjangoTemplates

    class Renderer(DjangoTemplates):
        @property
        def engine(self):
            from django.template.backends.django import DjangoTemplates as Backend

            return Backend({"APP_DIRS": False, "DIRS": [tmp_path], "NAME": "mine", "OPTIONS": {}})

    assert Mine().render("n", "v", renderer=Renderer()) == "<mine name=n>"


def test_a_bound_field_renders_the_same(rf):
    """The whole path a page takes: a bound form with errors (aria-invalid), disabled fields, initial values."""

    def form_class(text, select, checkbox, area):
        class Form(forms.Form):
            count = forms.CharField(required=False, widget=text(attrs={"class": "form-control"}), help_text="Gợi ý")
            yes = forms.ChoiceField(choices=CHOICES[0], required=False, widget=select(attrs={"class": "form-select"}))
            na = forms.BooleanField(required=False, widget=checkbox(attrs={"class": "form-check-input"}))
            note = forms.CharField(max_length=5, required=False, widget=area(attrs={"rows": 2}))

        return Form

    data = {"count": "12 <b>", "yes": "khong", "na": "on", "note": "quá dài"}
    ours = form_class(widgets.TextInput, widgets.Select, widgets.CheckboxInput, widgets.Textarea)(data)
    theirs = form_class(forms.TextInput, forms.Select, forms.CheckboxInput, forms.Textarea)(data)
    assert not ours.is_valid() and not theirs.is_valid()
    for name in ("count", "yes", "na", "note"):
        assert str(ours[name]) == str(theirs[name])
    ours, theirs = (
        form_class(widgets.TextInput, widgets.Select, widgets.CheckboxInput, widgets.Textarea)(),
        form_class(forms.TextInput, forms.Select, forms.CheckboxInput, forms.Textarea)(),
    )
    for form in (ours, theirs):
        for field in form.fields.values():
            field.disabled = True
    for name in ("count", "yes", "na", "note"):
        assert str(ours[name]) == str(theirs[name])


def test_another_option_template_renders_the_select_through_the_templates():
    class Mine(widgets.Select):
        option_template_name = "django/forms/widgets/input.html"

    class Theirs(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    choices = CHOICES[0]
    assert Mine(choices=choices).render("n", "co") == Theirs(choices=choices).render("n", "co")


@pytest.mark.parametrize("value", [None, "", "pass", "fail"])
@pytest.mark.parametrize("attrs", ATTRS)
def test_radio_tags_render_as_django_templates(value, attrs):
    from wards.forms import VERDICT_CHOICES

    def tags(widget_class):
        class Form(forms.Form):
            verdict = forms.ChoiceField(choices=VERDICT_CHOICES, required=False, widget=widget_class(attrs=attrs))

        form = Form(initial={"verdict": value})
        for field in (form["verdict"],):
            yield from ((radio.tag(), str(radio), radio.id_for_label, radio.choice_label) for radio in field)
        yield str(form["verdict"])

    assert list(tags(widgets.RadioSelect)) == list(tags(forms.RadioSelect))
