"""Words, not codes: where a person reads, the main pages name processes, org units and
roles instead of showing their codes (``web_case``, ``grid_yg_1``, ``community_staff``)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.security.conftest import tokens, world  # noqa: F401  (the matrix's sample objects)

from .test_phone_pages import staff_pages

#: Texts a reader never sees: scripts, styles, and the XML a modeler edits.
HIDDEN = {"script", "style", "template", "textarea"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in HIDDEN

    def handle_endtag(self, tag):
        self.hidden -= tag in HIDDEN and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def known_codes(app) -> dict[str, set[str]]:
    """Codes of the roles granted, the processes deployed and the org units."""
    from sqlalchemy import select

    from govflow.definitions.models import ProcessDefinition
    from govflow.extensions import db
    from govflow.identity.models import OrgUnit, RoleGrant
    with app.app_context():
        return {"roles": set(db.session.scalars(select(RoleGrant.role))),
                "processes": set(db.session.scalars(select(ProcessDefinition.key))),
                "units": set(db.session.scalars(select(OrgUnit.code)))}


#: Where codes are made and changed, they are shown beside the names: org unit codes in
#: the organisation administration (the import files use them), process keys in the designer.
MANAGED_HERE = {"/admin/org": "units", "/designer": "processes"}


def test_the_main_pages_show_names_not_codes(web_app, world, page_as):  # noqa: F811
    codes = known_codes(web_app)
    clients, found = {}, []
    for username, url in staff_pages(web_app, world):
        client = clients.get(username) or clients.setdefault(username, page_as(username))
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        managed = next((codes[kind] for prefix, kind in MANAGED_HERE.items() if url.startswith(prefix)), set())
        shown = set(re.findall(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])", visible_text(response.text)))
        wrong = sorted(shown & (codes["roles"] | codes["processes"] | codes["units"]) - managed)
        if wrong:
            found.append(f"{username} {url}: {', '.join(wrong)}")
    assert not found, "codes where names belong:\n" + "\n".join(found)
