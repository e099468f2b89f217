"""The designer's catalogue groups processes under category names, not namespace codes."""
from __future__ import annotations

import re

from tests.processes.test_owners_branch_dual_support import deploy_processes


def test_categories_are_named(designer, web_app):
    with web_app.app_context():
        deploy_processes("case_handling.bpmn", "case_departments.dmn", "case_department_deadlines.dmn",
                         "case_limits.dmn", "dual_reporting.bpmn", "dual_service_terms.dmn",
                         "dual_community_needs.dmn", "dual_member_evaluation.dmn")
    page = designer.get("/designer").text
    headings = re.findall(r'data-testid="category" data-category="([^"]+)">\s*<h2>([^<]+)</h2>', page)
    named = dict(headings)
    assert named["case"] == "群众诉求与事件处置" and named["dual"] == "双报到"
    assert named["web"] == "web"            # a code no table names is shown as it is


def test_a_new_process_may_be_filed_under_a_category_name(designer):
    response = designer.post_form("/designer/new", {"key": "street_patrol", "name": "街面巡查", "category": "民生服务"})
    assert response.status_code == 303
    assert 'targetNamespace="http://govflow.local/民生服务"' in designer.get("/designer/street_patrol/working.bpmn").text
