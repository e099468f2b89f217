"""The instance ledger (台账) as xlsx or CSV: Chinese headers, dates as real dates in local time."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from .queries import org_names

STATUS_NAMES = {"active": "运行中", "suspended": "已挂起", "completed": "已办结",
                "terminated": "已终止", "error": "异常"}
HEADERS = ["实例编号", "流程", "版本", "业务编号", "标题", "组织单位", "状态", "当前环节", "发起时间", "结束时间"]


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def ledger_table(instances, tz_name: str) -> list[list]:
    """One row per instance, in HEADERS order; times naive in ``tz_name``."""
    tz = ZoneInfo(tz_name)
    names = org_names(i.org_unit_id for i in instances)
    return [[i.id, i.process_key, i.version, i.business_key or "", i.title or "",
             names.get(i.org_unit_id, ""), STATUS_NAMES.get(i.status, i.status), i.current_steps or "",
             _local(i.started_at, tz), _local(i.ended_at, tz)] for i in instances]


def ledger_xlsx(instances, tz_name: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADERS)
    for row in ledger_table(instances, tz_name):
        ws.append(row)
    for col in ("I", "J"):
        for cell in ws[col][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
        ws.column_dimensions[col].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_csv(instances, tz_name: str) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in ledger_table(instances, tz_name):
        writer.writerow([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
