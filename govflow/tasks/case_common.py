"""What the case-handling handlers (case.py, case_dispatch.py) share: the codes residents
and statistics see, times as UTC ISO-8601 text (process data stays JSON), the case's
ledger lines (台账)."""
from __future__ import annotations

from datetime import UTC, datetime

from ..identity.service import find_org_unit
from ..records.models import LedgerEntry
from ..records.service import add_ledger_entry
from ..timeutil import utcnow
from . import HandlerContext

CATEGORY_NAMES = {"road": "道路设施", "sanitation": "环境卫生", "greening": "园林绿化", "parking": "停车管理",
                  "noise": "噪声扰民", "property": "物业管理", "market": "市场秩序", "construction": "违章搭建",
                  "safety": "安全隐患", "other": "其他"}
RATINGS = ("satisfied", "basic", "unsatisfied")
#: What residents type in an SMS reply or a mini-program sends, mapped to the rating codes.
RATING_ALIASES = {"1": "satisfied", "满意": "satisfied", "2": "basic", "基本满意": "basic",
                  "3": "unsatisfied", "不满意": "unsatisfied"}
SMS_TEXTS = {
    "accepted": "【{street}】您反映的“{title}”（编号{case_no}）已受理，网格员已到现场核实，将尽快办理。",
    "resolved": "【{street}】您反映的“{title}”（编号{case_no}）已办结：{result}。"
                "请回复1满意、2基本满意、3不满意，逾期未评价将电话回访。",
    "invalid": "【{street}】您反映的“{title}”（编号{case_no}）经现场核实：{note}，不予立案。如有异议请拨打12345。",
}


def now_utc() -> datetime:
    return utcnow().replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def hours_since(text: str | None) -> float | None:
    return round((now_utc() - parse_iso(text)).total_seconds() / 3600, 2) if text else None


def unit_id(code: str | None) -> int | None:
    unit = find_org_unit(code) if code else None
    return unit.id if unit else None


def record(ctx: HandlerContext, kind: str, unit_code: str | None = None, **data) -> LedgerEntry:
    """A ledger line of this case, on the community unless another unit is named."""
    v = ctx.variables
    base = {"case_no": v.get("case_no"), "category": v.get("category"), "urgency": v.get("urgency"),
            "grid": v.get("grid"), "community": v.get("community")}
    return add_ledger_entry(ctx.instance_id, ctx.process_key, f"case_{kind}",
                            unit_id(unit_code or v.get("community") or ctx.org_unit_code),
                            business_key=v.get("case_no") or ctx.business_key, data={**base, **data})


def clip(text: str | None, length: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= length else text[:length - 1] + "…"


def unique(*lists) -> list:
    return list(dict.fromkeys(item for values in lists for item in (values or [])))
