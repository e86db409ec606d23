"""Form widgets that write their HTML in Python: byte for byte what Django's own widget templates
(django/forms/widgets/input.html, select.html, select_option.html, textarea.html, attrs.html) give, without a
template render per input. The assessment page has some 120 inputs and 22 text areas: through the templates they
were a third of its time.

Only the default templates are replaced: a widget given another template_name renders through it as usual.
"""

from html import escape

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

# Django's escape is html.escape(str(text)) behind a wrapper for lazy texts; a plain str is escaped here directly
# (an input's attributes are some 800 texts a page).


def escaped(value) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" % value (str(value), tuples included), escaped unless it was marked safe
    (the filter keeps that). Also what wards/views/criterion_html.py writes of every text."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def shown(value) -> str:
    """`{{ value }}`: localised, then escaped unless safe."""
    if type(value) is str:  # localize gives a text as it is
        return escape(value)
    if type(value) is int and -1000 < value < 1000:  # nothing to group, whatever the language's format: its digits
        return str(value)
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {shown(name)}")
        else:
            parts.append(f' {shown(name)}="{escaped(value)}"')
    return "".join(parts)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html (text, hidden and checkbox inputs include it as it is)."""
    value = "" if widget["value"] is None else f' value="{escaped(widget["value"])}"'
    return f'<input type="{shown(widget["type"])}" name="{shown(widget["name"])}"{value}{attrs_html(widget["attrs"])}>'


class PythonRendered:
    """Renders the template `python_template` in Python (html(widget context)); any other template (a subclass's
    template_name) through the renderer, as Django does."""

    python_template: str

    def _render(self, template_name, context, renderer=None):
        if template_name != self.python_template:
            return super()._render(template_name, context, renderer)
        return mark_safe(self.html(context["widget"]))


class TextInput(PythonRendered, forms.TextInput):
    python_template = forms.TextInput.template_name

    def html(self, widget):
        return input_html(widget)


class HiddenInput(PythonRendered, forms.HiddenInput):
    python_template = forms.HiddenInput.template_name

    def html(self, widget):
        return input_html(widget)


class CheckboxInput(PythonRendered, forms.CheckboxInput):
    python_template = forms.CheckboxInput.template_name

    def html(self, widget):
        return input_html(widget)


class Textarea(PythonRendered, forms.Textarea):
    python_template = forms.Textarea.template_name

    def html(self, widget):
        value = shown(widget["value"]) if widget["value"] else ""
        return f'<textarea name="{shown(widget["name"])}"{attrs_html(widget["attrs"])}>\n{value}</textarea>'


class Select(PythonRendered, forms.Select):
    """django/forms/widgets/select.html with select_option.html for each option (optgroups included)."""

    python_template = forms.Select.template_name

    def _render(self, template_name, context, renderer=None):
        if self.option_template_name != forms.Select.option_template_name:
            return forms.Select._render(self, template_name, context, renderer)
        return super()._render(template_name, context, renderer)

    def html(self, widget):
        out = [f'<select name="{shown(widget["name"])}"{attrs_html(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{shown(group_name)}">')
            for option in group_choices:
                # the included select_option.html ends with a newline; only the whole select is stripped
                out.append(
                    f'\n  <option value="{escaped(option["value"])}"{attrs_html(option["attrs"])}>'
                    f"{shown(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return "".join(out)


class RadioSelect(forms.RadioSelect):
    """The options' tags (`{{ radio.tag }}`: radio_option.html without its label, which is django/forms/widgets/
    input.html) in Python; the group as a whole, and an option with its label, through the templates."""

    def _render(self, template_name, context, renderer=None):
        default = forms.RadioSelect.option_template_name
        if template_name == default and self.option_template_name == default and not context["widget"]["wrap_label"]:
            return mark_safe(input_html(context["widget"]))
        return super()._render(template_name, context, renderer)
