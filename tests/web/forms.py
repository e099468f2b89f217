"""A start form for the staff-page tests, registered like the platform's own forms."""
from marshmallow import Schema, fields, validate

from govflow.forms import form


@form("webtest.report")
class WebReportForm(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100),
                          metadata={"label": "问题概要", "help": "一句话说明问题", "widget": "text"})
    category = fields.String(required=True,
                             validate=validate.OneOf(["road", "sanitation"], labels=["道路设施", "环境卫生"]),
                             metadata={"label": "问题类别", "widget": "select",
                                       "choices": [("road", "道路设施"), ("sanitation", "环境卫生")]})
    description = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                metadata={"label": "问题描述", "widget": "textarea"})
    tags = fields.List(fields.String(), load_default=list,
                       metadata={"label": "标签", "widget": "multiselect",
                                 "choices": [("safety", "安全隐患"), ("elderly", "涉老")]})
    photos = fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=False,
                         validate=validate.Length(max=9), metadata={"label": "现场照片", "widget": "file"})
    urgent = fields.Boolean(load_default=False, metadata={"label": "紧急", "widget": "checkbox"})
