"""案卷: one case printed as a PDF — its data, each step's handler and time, the
timeline with 审批意见, and the photos.

``case_dossier`` is the use case (who may read it, what they may see: personal
data masked for their audience as on every page); ``render_pdf`` only lays the
result out. reportlab's built-in CID font STSong-Light draws Chinese without
shipping font files (readers substitute a Song face when printing).
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from ..attachments.models import Upload
from ..attachments.service import upload_path
from ..definitions.models import ProcessDefinition
from ..extensions import db
from ..identity.access import Principal
from ..identity.models import User
from ..instances.models import ProcessInstance
from ..instances.service import get_readable_instance
from ..privacy.audience import audience_for
from ..privacy.masking import Audience, mask_text, mask_variables, reporter_names
from .history import history
from .models import HumanTask
from .task_page import case_details

#: Photos printed in one dossier: a case's evidence, and a bound on the PDF's size.
MAX_PHOTOS = 24


@dataclass
class Dossier:
    instance: ProcessInstance
    process_name: str
    details: list[dict]
    steps: list[dict]
    timeline: list[dict]
    photos: list[tuple[str, Path]] = field(default_factory=list)


def case_dossier(p: Principal, instance_id: int, upload_dir: str) -> Dossier:
    """The case as ``p`` may read it. Raises NotFound outside ``p``'s jurisdiction."""
    instance = get_readable_instance(p, instance_id)
    audience = audience_for(p, instance.org_path)
    names = reporter_names(instance.variables)
    definition = db.session.get_one(ProcessDefinition, instance.definition_id)
    steps = list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                    .order_by(HumanTask.id)))
    people = {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(
        User.id.in_({t.completed_by_id for t in steps} | {t.assignee_id for t in steps} - {None})))}
    step_rows = [{"name": t.name, "status": t.status, "handler": people.get(t.completed_by_id or t.assignee_id or 0, ""),
                  "created_at": t.created_at, "completed_at": t.completed_at} for t in steps]
    timeline = history(instance.id, steps)
    actors = {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(
        User.id.in_({e["actor_id"] for e in timeline} - {None})))}
    for entry in timeline:
        entry["actor"] = actors.get(entry["actor_id"], "")
        entry["comment"] = _mask(entry["comment"], names, audience)
    photos = [(u.filename, upload_path(u, upload_dir)) for u in db.session.scalars(
        select(Upload).where(Upload.instance_id == instance.id, Upload.content_type.like("image/%"))
        .order_by(Upload.created_at).limit(MAX_PHOTOS))]
    return Dossier(instance=instance, process_name=definition.name or definition.key,
                   details=[d for d in case_details(definition, mask_variables(audience, instance.variables), steps) if d["widget"] != "file"],
                   steps=step_rows, timeline=timeline, photos=[(n, path) for n, path in photos if path.exists()])


def _mask(text: str | None, names, audience: Audience) -> str:
    if not text:
        return ""
    return text if audience in (Audience.ADMINISTRATOR, Audience.CASE_WORKER) else mask_text(text, names, audience)


def render_pdf(dossier: Dossier, words: Callable[[str], str], when: Callable[[datetime | None], str]) -> bytes:
    """The dossier as A4 PDF; ``words`` names headings, statuses and event kinds in the
    reader's language, ``when`` writes a time in the configured zone."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=9.5, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)

    def cell(text) -> Paragraph:
        return Paragraph(_escape(text), body)

    def table(rows, widths):
        t = Table([[cell(c) for c in r] for r in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    instance = dossier.instance
    story = [Paragraph(_escape(f"{words('Case file')} · {dossier.process_name}"), title),
             Paragraph(_escape(" ".join(x for x in (instance.business_key, instance.title) if x)), body),
             Spacer(1, 4 * mm), Paragraph(_escape(words("Case details")), head)]
    if dossier.details:
        story.append(table([[words("Item"), words("Value")]] + [[d["label"], _readable(d["value"], words)]
                                                              for d in dossier.details], [45 * mm, 125 * mm]))
    story += [Paragraph(_escape(words("Steps")), head),
              table([[words("Step"), words("Handler"), words("Reached"), words("Done"), words("Status")]]
                    + [[s["name"], s["handler"], when(s["created_at"]), when(s["completed_at"]), words(s["status"])]
                       for s in dossier.steps], [38 * mm, 36 * mm, 32 * mm, 32 * mm, 32 * mm]),
              Paragraph(_escape(words("Timeline")), head),
              table([[words("Time"), words("Who"), words("What"), words("Comment")]]
                    + [[when(e["at"]), e["actor"], " · ".join(x for x in (words(e["kind"]), e["step"]) if x),
                        e["comment"]] for e in dossier.timeline], [32 * mm, 34 * mm, 50 * mm, 54 * mm])]
    if dossier.photos:
        story.append(Paragraph(_escape(words("Photos")), head))
        for name, path in dossier.photos:
            if not _is_image(path):  # a file that only claims to be a photo is named, not drawn
                story.append(cell(name))
                continue
            image = Image(str(path))
            scale = min(1.0, (80 * mm) / max(image.drawWidth, 1), (80 * mm) / max(image.drawHeight, 1))
            image.drawWidth, image.drawHeight = image.drawWidth * scale, image.drawHeight * scale
            story += [image, cell(name), Spacer(1, 3 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{dossier.process_name} {instance.business_key or instance.id}",
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm).build(story)
    return out.getvalue()


def _is_image(path: Path) -> bool:
    try:
        with PILImage.open(path) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError):
        return False
    return True


def _readable(value, words) -> str:
    if value is True:
        return words("Yes")
    if value is False:
        return words("No")
    return str(value)


def _escape(text) -> str:
    return (str(text or "")).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
