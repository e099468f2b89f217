"""Deployment lint, safety: the hostile samples and the limits applied while parsing."""
from __future__ import annotations

import pytest

from govflow.engine.lint import LintContext, LintFailed, parse_safely
from tests.engine.lint_helpers import HOSTILE, codes, line_of, lint, only, simple


@pytest.mark.parametrize("sample, code", [
    ("xxe.bpmn", "doctype-forbidden"),
    ("billion_laughs.bpmn", "doctype-forbidden"),
    ("duplicate_ids.bpmn", "duplicate-id"),
    ("dangling_ref.bpmn", "dangling-reference"),
    ("absurd_timer.bpmn", "timer-too-long"),
    ("huge_cardinality.bpmn", "cardinality-too-large"),
])
def test_hostile_samples_are_refused_with_their_code(sample, code):
    problems = lint({sample: (HOSTILE / sample).read_bytes()})
    assert code in codes(problems, "error")
    assert "root:" not in " ".join(p.message for p in problems)  # nothing of /etc/passwd leaks


def test_deep_nesting_is_refused_while_parsing():
    for depth in (100, 100_000):  # under libxml2's own 256 limit, and far beyond it
        data = b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">' \
               + b"<a>" * depth + b"</a>" * depth + b"</bpmn:definitions>"
        with pytest.raises(LintFailed) as failed:
            parse_safely("deep_nesting.bpmn", data, LintContext(max_bytes=10_000_000))
        assert [p.code for p in failed.value.problems] == ["too-deep"]


def test_size_is_refused_before_parsing():
    with pytest.raises(LintFailed) as failed:
        parse_safely("big.bpmn", b"not even xml" * 100, LintContext(max_bytes=1000))
    assert failed.value.problems[0].code == "too-large"


def test_element_count_is_limited():
    data = simple(more="".join(f'<bpmn:textAnnotation id="n{i}"/>' for i in range(100)))
    with pytest.raises(LintFailed) as failed:
        parse_safely("many.bpmn", data, LintContext(max_elements=50))
    assert failed.value.problems[0].code == "too-many-elements"


def test_external_dtd_is_refused():
    data = b'<!DOCTYPE x SYSTEM "http://attacker.test/x.dtd">' + simple().split(b"?>", 1)[1]
    assert codes(lint(data)) == ["doctype-forbidden"]
    assert codes(lint(b"<!-- looks harmless -->\n" + data)) == ["doctype-forbidden"]


def test_doctype_is_found_in_utf16_too():
    xxe = (HOSTILE / "xxe.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert codes(lint(xxe.encode("utf-16"))) == ["doctype-forbidden"]


def test_malformed_xml_reports_line_and_parser_message():
    data = simple().replace(b'<bpmn:endEvent id="end"/>', b'<bpmn:endEvent id="end">')
    problem = only(lint(data), "malformed-xml")
    assert problem.line == line_of(data, "</bpmn:process>")
    assert "mismatch" in problem.message


@pytest.mark.parametrize("data", [b"<html/>", b'<definitions xmlns="http://example.com/not-bpmn"/>',
                                  b'<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'])
def test_root_must_be_bpmn_or_dmn_definitions(data):
    assert codes(lint(data)) == ["wrong-root"]


def test_a_refused_file_does_not_stop_the_others():
    problems = lint({"bad.bpmn": b"<oops", "good.bpmn": simple()})
    assert [(p.file, p.code) for p in problems] == [("bad.bpmn", "malformed-xml")]
