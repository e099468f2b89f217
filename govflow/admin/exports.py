"""The instance ledger (台账) and statistics as xlsx or CSV: Chinese headers, dates as real
dates in local time, resident text always text (govflow/spreadsheet.py)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from ..extensions import db
from ..identity.access import Principal
from ..privacy.audience import audience_for
from ..privacy.masking import mask_text, personal_columns, reporter_names
from ..spreadsheet import append_row, csv_bytes, workbook_bytes
from ..web.names import process_name
from .access import ledger_scope
from .queries import EXPORT_LIMIT, org_names

STATUS_NAMES = {"active": "运行中", "suspended": "已挂起", "completed": "已办结",
                "terminated": "已终止", "error": "异常"}
HEADERS = ["实例编号", "流程", "版本", "业务编号", "标题", "组织单位", "状态", "当前环节", "发起时间", "结束时间",
           "反映人", "联系电话", "地址"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def ledger_for(p: Principal, query) -> list:
    """The rows of the instance ``query`` that ``p`` may export (see access.ledger_scope)."""
    scope = ledger_scope(p)
    if scope is not None:
        query = query.where(scope)
    return list(db.session.scalars(query.limit(EXPORT_LIMIT)))


def ledger_table(instances, tz_name: str, reader: Principal | None = None) -> list[list]:
    """One row per instance, in HEADERS order; times naive in ``tz_name``; the title and
    the resident's name, phone and address as ``reader`` may see them in that
    instance's unit (privacy.masking; no reader: the public, masked)."""
    tz = ZoneInfo(tz_name)
    names = org_names(i.org_unit_id for i in instances)
    rows = []
    for i in instances:
        audience = audience_for(reader, i.org_path)
        rows.append([i.id, process_name(i.process_key), i.version, i.business_key or "",
                     mask_text(i.title or "", reporter_names(i.variables), audience),
                     names.get(i.org_unit_id, ""), STATUS_NAMES.get(i.status, i.status), i.current_steps or "",
                     _local(i.started_at, tz), _local(i.ended_at, tz), *personal_columns(audience, i.variables)])
    return rows


def ledger_file(p: Principal, query, fmt: str, tz_name: str) -> tuple[bytes, str]:
    """(body, mimetype) of the ledger ``p`` may export from ``query``, as ``xlsx`` or ``csv``."""
    rows = ledger_for(p, query)
    if fmt == "csv":
        return ledger_csv(rows, tz_name, p), "text/csv; charset=utf-8"
    return ledger_xlsx(rows, tz_name, p), XLSX


def ledger_xlsx(instances, tz_name: str, reader: Principal | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    append_row(ws, HEADERS)
    for row in ledger_table(instances, tz_name, reader):
        append_row(ws, row)
    for col in ("I", "J"):
        for cell in ws[col][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
        ws.column_dimensions[col].width = 18
    return workbook_bytes(wb)


def ledger_csv(instances, tz_name: str, reader: Principal | None = None) -> bytes:
    rows = [[v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for v in row]
            for row in ledger_table(instances, tz_name, reader)]
    return csv_bytes([HEADERS, *rows])


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
    out.append(("流程阶段", STAGE_HEADERS, [[process_name(s["process"]), STATUS_NAMES.get(s["status"], s["status"]),
                                          s["stage"] or "", s["count"]] for s in stages]))
    out.append(("环节用时", STEP_HEADERS, [[process_name(t["process"]), t["element_id"], t["name"], t["count"], t["mean_hours"]]
                                        for t in steps]))
    return out


def statistics_xlsx(sheets: list[tuple[str, list, list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        append_row(ws, headers)
        for row in rows:
            append_row(ws, row)
            if isinstance(row[0], date):
                ws.cell(ws.max_row, 1).number_format = MONTH_FORMAT
        ws.column_dimensions["A"].width = 20
    return workbook_bytes(wb)


def statistics_csv(sheets: list[tuple[str, list, list]]) -> bytes:
    """Every table one after another, each under a line with its title."""
    lines: list[list] = []
    for n, (title, headers, rows) in enumerate(sheets):
        if n:
            lines.append([])
        lines += [[title], headers]
        lines += [[v.strftime("%Y-%m") if isinstance(v, date) else ("" if v is None else v) for v in row]
                  for row in rows]
    return csv_bytes(lines)


def statistics_file(sheets, fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return statistics_csv(sheets), "text/csv; charset=utf-8"
    return statistics_xlsx(sheets), XLSX
