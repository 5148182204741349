"""GOV.UK components render each distinct set of parameters once (app/web/templating.py): the markup is the same as
rendering afresh, and parameters that differ only in type (escaped text or markup, 1 or True) are kept apart."""

from __future__ import annotations

from jinja2 import Environment
from markupsafe import Markup

from app.web.templating import _RememberedComponent, make_environment

SELECT = """{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}
{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}
{{ govukSelect({"id": "tier", "name": "tier", "label": {"text": "Tier"}, "items": items}) }}
{{ govukButton({"text": text}) }}{{ govukButton({"html": text}) }}"""


def _plain() -> Environment:
    """The same environment without remembered components."""
    env = make_environment()
    env.template_class = Environment.template_class
    return env


def test_remembered_components_render_what_a_fresh_render_gives():
    items = [{"value": "", "text": "All"}, {"value": "enhanced", "text": "Enhanced", "selected": True}]
    remembered, plain = make_environment(), _plain()
    for text in ["Apply <filters>", Markup("<b>Apply</b>"), "Apply <filters>"]:
        expected = plain.from_string(SELECT).render(items=items, text=text)
        assert remembered.from_string(SELECT).render(items=items, text=text) == expected
    assert "&lt;filters&gt;" in remembered.from_string(SELECT).render(items=items, text="Apply <filters>")
    assert "<b>Apply</b>" in remembered.from_string(SELECT).render(items=items, text=Markup("<b>Apply</b>"))


def test_the_components_are_remembered_and_only_plain_data_is_a_key():
    env = make_environment()
    module = env.get_template("govuk_frontend_jinja/components/tag/macro.html").module
    tag = module.govukTag
    assert isinstance(tag, _RememberedComponent)
    assert tag({"text": "1"}) is tag({"text": "1"})  # rendered once
    assert "True" in tag({"text": True}) and "True" not in tag({"text": 1})  # 1 == True, but not as a key
    odd = {"text": "x", "attributes": {"data-n": object()}}
    assert tag(odd) is not tag(odd)  # not plain data: rendered each time


def test_a_dicts_fields_read_as_jinja_reads_them():
    """`record.name` on the API's JSON reads the key without Jinja's exception, and means what it meant."""
    source = "{{ d.name }}|{{ d.missing }}|{{ d.items is callable }}|{{ d['items'] }}|{{ d.get('name') }}|{{ o.name }}"

    class Record(dict):  # type: ignore[type-arg]
        name = "attribute"

    record = {"name": "Key", "items": [1], "get": "shadowed"}
    context = {"d": record, "o": Record(name="key")}
    expected = "Key||True|[1]|Key|attribute"
    assert make_environment().from_string(source).render(context) == expected
    assert Environment().from_string(source).render(context) == expected
