"""The demo organisation: enough units and one user per role to walk every process."""
from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .identity.models import User
from .identity.service import create_user, grant_role, upsert_org_unit

DEMO_PASSWORD = "govflow-demo"

ORG_UNITS = [
    ("demo_district", "示范区", "district", None),
    ("street_heping", "和平街道", "street", "demo_district"),
    ("comm_yangguang", "阳光社区", "community", "street_heping"),
    ("grid_yg_1", "阳光社区第一网格", "grid", "comm_yangguang"),
    ("grid_yg_2", "阳光社区第二网格", "grid", "comm_yangguang"),
    ("comm_xingfu", "幸福社区", "community", "street_heping"),
    ("grid_xf_1", "幸福社区第一网格", "grid", "comm_xingfu"),
    ("dept_urban", "区城市管理局", "department", "demo_district"),
    ("dept_housing", "区住房和城乡建设局", "department", "demo_district"),
    ("dept_market", "区市场监督管理局", "department", "demo_district"),
    ("dept_env", "区生态环境局", "department", "demo_district"),
    ("dept_civil", "区民政局", "department", "demo_district"),
    ("dept_discipline", "区纪委监委", "department", "demo_district"),
    ("dept_petition", "区信访局", "department", "demo_district"),
    ("unit_tax", "区税务局", "unit", "demo_district"),
]

USERS = [
    ("grid1", "网格员 王芳 (阳光一网格)", ["grid_worker@grid_yg_1"]),
    ("grid2", "网格员 李强 (阳光二网格)", ["grid_worker@grid_yg_2"]),
    ("grid3", "网格员 赵敏 (幸福一网格)", ["grid_worker@grid_xf_1"]),
    ("cstaff", "社区工作者 陈静 (阳光社区)", ["community_staff@comm_yangguang"]),
    ("secretary", "社区书记 刘洋 (阳光社区)", ["community_secretary@comm_yangguang"]),
    ("secretary2", "社区书记 孙丽 (幸福社区)", ["community_secretary@comm_xingfu"]),
    ("street", "街道干部 周涛 (和平街道)", ["street_officer@street_heping"]),
    ("partycommittee", "街道党工委 吴刚", ["street_party_committee@street_heping"]),
    ("supervisor", "督办员 郑华 (和平街道)", ["supervisor@street_heping"]),
    ("urban", "城管局经办人 钱进", ["department_handler@dept_urban"]),
    ("housing", "住建局经办人 冯雪", ["department_handler@dept_housing", "housing_office@dept_housing"]),
    ("market", "市场监管局经办人 何平", ["department_handler@dept_market"]),
    ("env", "生态环境局经办人 许诺", ["department_handler@dept_env"]),
    ("discipline", "纪委监委经办人 严明 (软弱涣散排查会商)", ["department_handler@dept_discipline"]),
    ("petition", "信访局经办人 方圆 (软弱涣散排查会商)", ["department_handler@dept_petition"]),
    ("civil", "民政局经办人 顾安 (软弱涣散排查会商)", ["department_handler@dept_civil"]),
    ("orgdept", "区委组织部 林峰", ["org_department@demo_district"]),
    ("unitsec", "税务局党组织书记 高远", ["unit_party_secretary@unit_tax"]),
    ("member", "在职党员 马骏 (居住阳光社区)", ["party_member@comm_yangguang"]),
    ("designer", "流程设计员 唐宁", ["designer@demo_district"]),
    ("admin", "系统管理员", ["admin@demo_district"]),
]


def load_demo() -> dict:
    """Create or update the demo data (idempotent); returns the logins."""
    for code, name, kind, parent in ORG_UNITS:
        upsert_org_unit(code, name, kind, parent)
    for username, display, grants in USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, DEMO_PASSWORD, display, is_admin=(username == "admin"))
        for spec in grants:
            grant_role(user, spec)
    return {"password": DEMO_PASSWORD, "users": [(u, d) for u, d, _ in USERS]}
