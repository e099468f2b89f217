"""The FEEL subset of conditional.hide: what it reads, what it refuses, FEEL's null rules."""
from __future__ import annotations

import pytest

from govflow.forms.camunda.conditions import ConditionError, evaluate, names, parse


@pytest.mark.parametrize("text, data, expected", [
    ("=escalate != true", {"escalate": True}, False),
    ("=escalate != true", {}, True),
    ('severity = "high" and households > 10', {"severity": "high", "households": 12}, True),
    ('severity = "high" and households > 10', {"severity": "high"}, False),  # null > 10 is null, not true
    ("not(escalate) or households >= 3", {"escalate": True, "households": 3}, True),
    ("(a = 1 or b = 2) and c = null", {"b": 2}, True),
    ("a = 1", {"a": True}, False),  # different types are never equal
])
def test_evaluates_like_feel(text, data, expected):
    assert evaluate(parse(text), data) is expected


@pytest.mark.parametrize("text", ["count(measures) > 1", "a +", "a = 'x'", "x" * 501, "", "and a",
                                  "a.b = 1", "not a"])
def test_refuses_what_it_does_not_evaluate(text):
    with pytest.raises(ConditionError):
        parse(text)


def test_names_are_the_fields_read():
    assert names(parse('a = 1 and (b != "x" or not(c))')) == {"a", "b", "c"}


def _read(components):
    import json

    from govflow.forms.camunda.schema import FormError, read_form
    try:
        return read_form(json.dumps({"type": "default", "id": "f", "components": components}).encode())
    except FormError as exc:
        return exc.problems


def test_a_group_hides_its_fields_and_conditions_read_only_the_form():
    form = _read([{"type": "checkbox", "key": "a"},
                  {"type": "group", "id": "g", "conditional": {"hide": "=a = true"}, "components": [
                      {"type": "textfield", "key": "b", "conditional": {"hide": "=c = 1"}}]},
                  {"type": "number", "key": "c"}])
    assert form.hidden({"a": True}) == {"b"} and form.hidden({"c": 1}) == {"b"} and form.hidden({}) == set()
    assert form.hide_source["b"] == "(a = true) or (c = 1)"
    problems = _read([{"type": "textfield", "key": "b", "conditional": {"hide": "=status = \"x\""}},
                      {"type": "dynamiclist", "path": "rows", "components": [
                          {"type": "textfield", "key": "n", "conditional": {"hide": "=b = null"}}]}])
    assert any("reads status" in p for p in problems) and any("inside a dynamic list" in p for p in problems)


def test_a_readonly_field_is_shown_but_never_taken():
    form = _read([{"type": "textfield", "key": "case_no", "readonly": True}, {"type": "textfield", "key": "note"}])
    assert form.schema().load({"case_no": "forged", "note": "ok"}, unknown="exclude") == {"note": "ok"}
