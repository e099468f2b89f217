"""The instance ledger (台账) as xlsx or CSV: Chinese headers, dates as real dates in local time."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from ..extensions import db
from ..identity.access import Principal
from .access import ledger_scope, sees_personal_data
from .queries import EXPORT_LIMIT, org_names

STATUS_NAMES = {"active": "运行中", "suspended": "已挂起", "completed": "已办结",
                "terminated": "已终止", "error": "异常"}
HEADERS = ["实例编号", "流程", "版本", "业务编号", "标题", "组织单位", "状态", "当前环节", "发起时间", "结束时间",
           "反映人", "联系电话", "地址"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Process variables holding a resident's name, phone number and address, by process.
PERSONAL = {"name": ("reporter_name", "applicant_name", "member_name"),
            "phone": ("reporter_phone", "applicant_phone", "phone"),
            "address": ("location", "home_address", "estate_address")}


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def ledger_for(p: Principal, query) -> list:
    """The rows of the instance ``query`` that ``p`` may export (see access.ledger_scope)."""
    scope = ledger_scope(p)
    if scope is not None:
        query = query.where(scope)
    return list(db.session.scalars(query.limit(EXPORT_LIMIT)))


def mask_name(name: str) -> str:
    return name[0] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "*" * len(phone)


def mask_address(address: str) -> str:
    """The first part (district, estate) stays; the building and room do not."""
    return address[:min(6, len(address) // 2)] + "****" if address else ""


def personal_data(variables: dict | None, masked: bool) -> list[str]:
    v = variables or {}
    values = [next((str(v[k]) for k in PERSONAL[kind] if v.get(k)), "") for kind in ("name", "phone", "address")]
    if masked:
        values = [mask_name(values[0]), mask_phone(values[1]), mask_address(values[2])]
    return values


def ledger_table(instances, tz_name: str, masked: bool = True) -> list[list]:
    """One row per instance, in HEADERS order; times naive in ``tz_name``; residents'
    personal data masked unless ``masked`` is False."""
    tz = ZoneInfo(tz_name)
    names = org_names(i.org_unit_id for i in instances)
    return [[i.id, i.process_key, i.version, i.business_key or "", i.title or "",
             names.get(i.org_unit_id, ""), STATUS_NAMES.get(i.status, i.status), i.current_steps or "",
             _local(i.started_at, tz), _local(i.ended_at, tz), *personal_data(i.variables, masked)]
            for i in instances]


def ledger_file(p: Principal, query, fmt: str, tz_name: str) -> tuple[bytes, str]:
    """(body, mimetype) of the ledger ``p`` may export from ``query``, as ``xlsx`` or ``csv``."""
    rows, masked = ledger_for(p, query), not sees_personal_data(p)
    if fmt == "csv":
        return ledger_csv(rows, tz_name, masked), "text/csv; charset=utf-8"
    return ledger_xlsx(rows, tz_name, masked), XLSX


def ledger_xlsx(instances, tz_name: str, masked: bool = True) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADERS)
    for row in ledger_table(instances, tz_name, masked):
        ws.append(row)
    for col in ("I", "J"):
        for cell in ws[col][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
        ws.column_dimensions[col].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_csv(instances, tz_name: str, masked: bool = True) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in ledger_table(instances, tz_name, masked):
        writer.writerow([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- statistics ------------------------------------------------------------------
CASE_SHEETS = {"community": ("按社区", "社区"), "department": ("按部门", "职能部门"),
               "category": ("按类别", "类别"), "month": ("按月份", "月份")}
CASE_HEADERS = ["案件数", "响应率(%)", "解决率(%)", "满意率(%)", "逾期案件数", "平均办理时长(小时)"]
STAGE_HEADERS = ["流程", "状态", "当前环节", "实例数"]
STEP_HEADERS = ["流程", "环节编号", "环节", "已办任务数", "平均用时(小时)"]
MONTH_FORMAT = "yyyy-mm"


def _month_date(key: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{key}-01") if key else None
    except ValueError:
        return None


def statistics_tables(tables: dict, stages: list[dict], steps: list[dict]) -> list[tuple[str, list, list]]:
    """(sheet title, headers, rows) for every table of the statistics page; months as
    dates (the first of the month), rates and hours as numbers."""
    out = []
    for dimension, (title, label) in CASE_SHEETS.items():
        rows = [[_month_date(r["key"]) if dimension == "month" else r["label"], r["cases"], r["response_rate"],
                 r["resolution_rate"], r["satisfaction_rate"], r["overdue"], r["mean_hours"]]
                for r in tables.get(dimension, [])]
        out.append((title, [label, *CASE_HEADERS], rows))
    out.append(("流程阶段", STAGE_HEADERS, [[s["process"], STATUS_NAMES.get(s["status"], s["status"]),
                                          s["stage"] or "", s["count"]] for s in stages]))
    out.append(("环节用时", STEP_HEADERS, [[t["process"], t["element_id"], t["name"], t["count"], t["mean_hours"]]
                                        for t in steps]))
    return out


def statistics_xlsx(sheets: list[tuple[str, list, list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for row in rows:
            ws.append(row)
            if isinstance(row[0], date):
                ws.cell(ws.max_row, 1).number_format = MONTH_FORMAT
        ws.column_dimensions["A"].width = 20
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def statistics_csv(sheets: list[tuple[str, list, list]]) -> bytes:
    """Every table one after another, each under a line with its title."""
    out = io.StringIO()
    writer = csv.writer(out)
    for n, (title, headers, rows) in enumerate(sheets):
        if n:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(headers)
        for row in rows:
            writer.writerow([v.strftime("%Y-%m") if isinstance(v, date) else ("" if v is None else v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statistics_file(sheets, fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return statistics_csv(sheets), "text/csv; charset=utf-8"
    return statistics_xlsx(sheets), XLSX
