"""JUEL → Python translation: the emitted source, its meaning in the sandbox, and refusals."""
import pytest

from govflow.engine import sandbox
from govflow.engine.juel import JuelError, is_juel, translate


def juel(text, **data):
    """Evaluate JUEL the way the engine does: translate, then run in the sandbox."""
    return sandbox.evaluate(translate(text), data)


@pytest.mark.parametrize("text, expected", [
    ("${approved}", True), ("#{approved}", True), ("Case ${n}", True),
    ("approved", False), ("x == 1", False), ("$ {x}", False), ("price in $", False),
])
def test_is_juel(text, expected):
    assert is_juel(text) is expected


@pytest.mark.parametrize("text, python", [
    ("${approved}", "approved"),
    ("#{approved}", "approved"),
    ("${!approved}", "(not approved)"),
    ("${not approved}", "(not approved)"),
    ("${amount > 1000 && urgent}", "((amount > 1000) and urgent)"),
    ("${a and b}", "(a and b)"),
    ("${a || b}", "(a or b)"),
    ("${a or b}", "(a or b)"),
    ("${category == 'road'}", "(category == 'road')"),
    ('${category == "road"}', "(category == 'road')"),
    ("${a eq b}", "(a == b)"), ("${a != b}", "(a != b)"), ("${a ne b}", "(a != b)"),
    ("${a < b}", "(a < b)"), ("${a lt b}", "(a < b)"),
    ("${a <= b}", "(a <= b)"), ("${a le b}", "(a <= b)"),
    ("${a > b}", "(a > b)"), ("${a gt b}", "(a > b)"),
    ("${a >= b}", "(a >= b)"), ("${a ge b}", "(a >= b)"),
    ("${a + b}", "(a + b)"), ("${a - b}", "(a - b)"), ("${a * b}", "(a * b)"),
    ("${a / b}", "(a / b)"), ("${a div b}", "(a / b)"),
    ("${a % b}", "(a % b)"), ("${a mod b}", "(a % b)"),
    ("${-a}", "(-a)"),
    ("${empty a}", "_juel_empty(a)"),
    ("${not empty a}", "(not _juel_empty(a))"),
    ("${a ? b : c}", "(b if a else c)"),
    ("${true}", "True"), ("${false}", "False"), ("${null}", "None"),
    ("${42}", "42"), ("${1.5}", "1.5"), ("${.5}", "0.5"), ("${1e3}", "1000.0"),
    ("${a.b}", "_juel_get(a, 'b')"),
    ("${a['b']}", "_juel_get(a, 'b')"),
    ("${a[0]}", "_juel_get(a, 0)"),
    ("${a.b.c}", "_juel_get(_juel_get(a, 'b'), 'c')"),
    ("${execution.getVariable('amount') > 5}", "(amount > 5)"),
    ("Case ${n} done", "('Case ' + _juel_str(n) + ' done')"),
    ("P${days}D", "('P' + _juel_str(days) + 'D')"),
    ("${a}${b}", "(_juel_str(a) + _juel_str(b))"),
    ("  ${approved}\n", "approved"),
    ("${a == '}'}", "(a == '}')"),
    (r"${'it\'s'}", '"it\'s"'),
    (r"\${literal}", "'${literal}'"),
    ("${案件类型 == '道路'}", "(案件类型 == '道路')"),
])
def test_translation(text, python):
    assert translate(text) == python


def test_plain_text_is_returned_unchanged():
    assert translate("amount > 1000 and urgent") == "amount > 1000 and urgent"
    assert translate("") == ""


@pytest.mark.parametrize("text, expected", [
    ("${1 + 2 * 3}", 7),             # multiplicative above additive
    ("${(1 + 2) * 3}", 9),
    ("${10 - 4 - 3}", 3),            # left associative
    ("${12 / 2 / 3}", 2.0),
    ("${2 * 7 mod 4}", 2),           # same level as *, left to right
    ("${-2 * 3}", -6),
    ("${1 + 2 > 2}", True),          # additive above relational
    ("${1 < 2 == true}", True),      # relational above equality
    ("${true || false && false}", True),   # && above ||
    ("${!true || true}", True),      # unary above everything
    ("${!(true || true)}", False),
    ("${1 > 2 ? 'a' : 2 > 1 ? 'b' : 'c'}", "b"),  # ternary right associative
    ("${true ? 1 + 1 : 0}", 2),
    ("${empty '' && not empty 'x'}", True),
])
def test_precedence(text, expected):
    assert juel(text) == expected


def test_chained_comparison_is_not_python_chaining():
    # Python would read 3 > 2 > 1 as (3 > 2 and 2 > 1) == True; JUEL reads (3 > 2) > 1.
    assert juel("${3 > 2 > 1}") is False


def test_semantics_against_task_data():
    order = {"amount": 1200, "items": [{"sku": "A"}], "owner": None}
    assert juel("${order.amount > 1000 && urgent}", order=order, urgent=True) is True
    assert juel("${order['items'][0].sku}", order=order) == "A"
    assert juel("${order.missing}", order=order) is None
    assert juel("${order.items[5]}", order=order) is None
    assert juel("${order.owner.name}", order=order) is None      # null base → null
    assert juel("${empty order.owner}", order=order) is True
    assert juel("${empty order.items}", order=order) is False
    assert juel("${empty x}", x={}) is True
    assert juel("${empty x}", x=[]) is True
    assert juel("${category == 'road'}", category="road") is True
    assert juel("${execution.getVariable('category')}", category="road") == "road"


def test_composite_text_uses_juel_string_coercion():
    assert juel("Case ${n} done", n=5) == "Case 5 done"
    assert juel("${a}/${b}/${c}", a=True, b=None, c=1.5) == "true//1.5"
    assert juel("P${days}D", days=3) == "P3D"


@pytest.mark.parametrize("text, position, words", [
    ("${obj.m()}", 6, "method calls are not supported"),
    ("${x.toString()}", 4, "method calls are not supported"),
    ("${execution.getVariableLocal('x')}", 12, "method calls are not supported"),
    ("${fn(1)}", 4, "function calls are not supported"),
    ("${a.b.c(1)}", 6, "method calls are not supported"),
    ("${execution.getVariable(name)}", 24, "quoted variable name"),
    ("${a", 3, "missing '}'"),
    ("${a + }", 6, "unexpected '}'"),
    ("${}", 2, "empty expression"),
    ("${'abc}", 2, "unterminated string"),
    ("${a = 1}", 4, "unexpected character '='"),
    ("${a & b}", 4, "unexpected character '&'"),
    ("${a instanceof B}", 4, "'instanceof' is not supported"),
    ("${class}", 2, "'class' cannot be used as a variable name"),
    ("${a ? b}", 7, "expected ':'"),
    ("${(a}", 4, "expected ')'"),
    ("${a.}", 4, "property name"),
    ("${a$b}", 3, "'$' is not allowed"),
    ("ok ${a} then ${b.c()}", 17, "method calls"),
    ("${1e999}", 2, "number out of range"),
    ("${_secret}", 2, "beginning with '_' are reserved"),
])
def test_untranslatable_expressions_are_reported_with_position(text, position, words):
    with pytest.raises(JuelError) as caught:
        translate(text)
    error = caught.value
    assert (error.expression, error.position) == (text, position)
    assert words in error.message
    assert repr(text) in str(error) and f"position {position}" in str(error)


def test_translation_never_emits_a_call_other_than_the_helpers():
    import ast
    for text in ["${a.b[c].d}", "${empty a ? b.c : d['e']}", "Case ${x.y} of ${z}"]:
        calls = [node.func.id for node in ast.walk(ast.parse(translate(text), mode="eval"))
                 if isinstance(node, ast.Call)]
        assert set(calls) <= sandbox.JUEL_HELPERS
