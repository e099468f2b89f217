// The form editor in Chinese on zh pages. form-js (1.x) has no translate service: its
// components' names live in their configs (read by the palette, its search and the
// properties panel's header), everything else is literal text. So the names are
// renamed in the editor's field registry, and the remaining chrome — palette groups,
// properties panel groups, labels, hints and its validation messages — is translated
// where it is drawn, never the designer's own texts (labels, keys, options, FEEL).

const NAMES = {
  "Text field": "文本框", "Text area": "多行文本", "Number": "数字", "Date time": "日期时间",
  "Checkbox": "复选框", "Checkbox group": "多选框组", "Radio group": "单选框组", "Select": "下拉选择",
  "Tag list": "标签列表", "Text view": "文本说明", "HTML view": "HTML 视图", "Image view": "图片",
  "Button": "按钮", "Separator": "分隔线", "Spacer": "空白", "Group": "分组", "Dynamic list": "动态列表",
  "iFrame": "内嵌网页", "Expression": "表达式", "Table": "表格", "Document preview": "文档预览",
  "File picker": "文件上传",
};

const TEXTS = {
  ...NAMES,
  // palette
  "Components": "组件", "Search components": "搜索组件", "Clear content": "清除", "No components found.": "没有找到组件。",
  "Input": "输入", "Selection": "选择", "Presentation": "展示", "Containers": "容器", "Action": "操作",
  // canvas
  "Build your form": "开始设计表单", "Drag and drop components here to start designing.": "把左侧组件拖到这里开始设计。",
  "Drag and drop components here.": "把组件拖到这里。", "Use the preview window to test your form.": "可在预览窗口中试填表单。",
  "Remove form field": "删除表单字段", "Drop is not a valid target": "不能放在这里",
  "Drop not allowed by path registry": "路径冲突，不能放在这里",
  // properties panel: groups
  "General": "常规", "Condition": "条件", "Validation": "校验", "Appearance": "外观", "Layout": "布局",
  "Serialization": "序列化", "Constraints": "约束", "Options source": "选项来源", "Static options": "固定选项",
  "Dynamic options": "动态选项", "Custom properties": "自定义属性", "Security attributes": "安全属性",
  "Options expression": "选项表达式", "Header items": "表头", "Headers source": "表头来源", "Content": "内容",
  // properties panel: entries
  "Field label": "字段标签", "Group label": "分组标签", "Table label": "表格标签", "Label": "标签",
  "Field description": "字段说明", "Key": "键（变量名）", "Path": "路径", "ID": "ID", "Version tag": "版本标签",
  "Default value": "默认值", "Required": "必填", "Read only": "只读", "Disabled": "禁用", "Searchable": "可搜索",
  "Minimum": "最小值", "Maximum": "最大值", "Minimum length": "最小长度", "Maximum length": "最大长度",
  "Validation pattern": "校验规则", "Custom regular expression": "自定义正则表达式",
  "Custom error message": "自定义错误提示", "Custom": "自定义", "Email": "电子邮件", "Phone": "电话",
  "Decimal digits": "小数位数", "Increment": "步长", "Output as string": "以字符串输出",
  "Allows arbitrary precision values": "允许任意精度的数值", "Subtype": "子类型", "Date": "日期", "Time": "时间",
  "Date & Time": "日期和时间", "Date label": "日期标签", "Time label": "时间标签", "Use 24h": "24 小时制",
  "Time format": "时间格式", "Time interval": "时间间隔", "Disallow past dates": "不允许过去的日期",
  "UTC offset": "UTC 偏移", "UTC normalized": "UTC 标准化", "No timezone": "不含时区",
  "Static": "固定", "Input data": "输入数据（变量）", "Input values key": "选项变量名",
  "Define which input property to populate the values from": "选项取自哪个流程变量",
  "Define an expression to populate the options from.": "用表达式生成选项。",
  "Checked": "选中", "Not checked": "未选中", "Value": "值", "Text": "文本", "Type": "类型",
  "Submit": "提交", "Reset": "重置", "Prefix": "前缀", "Suffix": "后缀", "Height": "高度", "URL": "网址",
  "Alternative text": "替代文本", "Image source": "图片来源", "Columns": "列", "Column": "列", "Auto": "自动",
  "Vertical alignment": "垂直对齐", "Top": "顶部", "Center": "居中", "Bottom": "底部",
  "Show outline": "显示边框", "Repeatable": "可重复", "Allow add/delete items": "允许添加/删除",
  "Default number of items": "默认条数", "Disable collapse": "不折叠", "Number of non-collapsing items": "不折叠的条数",
  "Supported file formats": "允许的文件格式", "Upload multiple files": "允许多个文件",
  "Compute on": "计算时机", "Value changes": "值变化时", "Form submission": "提交时", "Target value": "目标值",
  "Pagination": "分页", "Number of rows per page": "每页行数", "Data source": "数据来源", "List of items": "条目列表",
  "Binds to a form variable": "绑定到一个表单变量",
  "Where the child variables of this component are pathed to.": "本组件内字段的值放在这个路径下。",
  "Version tag by which this form can be referenced.": "可用来引用本表单的版本标签。",
  "Height of the container in pixels.": "容器高度（像素）。",
  "The error message to display when the input does not match the regular expression.": "输入不符合正则表达式时显示的提示。",
  "Descriptive text for screen reader accessibility.": "供读屏软件朗读的说明文字。",
  "Create new list item": "新建一项", "Create": "新建", "Delete item": "删除此项", "Toggle list item": "展开/折叠",
  "Toggle section": "展开/折叠", "Section contains an error": "本节有错误", "Section contains edits": "本节已修改",
  "Open documentation": "打开文档", "Open pop-up editor": "在弹窗中编辑", "Opened in editor": "已在编辑器中打开",
  "Learn more": "了解更多", "<empty>": "<空>", "<none>": "<无>",
  "FEEL expression is mandatory": "必须是 FEEL 表达式", "Unparsable FEEL expression.": "无法解析的 FEEL 表达式。",
  // properties panel: validation messages
  "Must not be empty.": "不能为空。", "Must not be empty": "不能为空", "Must be unique.": "必须唯一。",
  "Must not contain spaces.": "不能包含空格。", "Must be a variable or a dot separated path.": "必须是变量名或以点分隔的路径。",
  "Must not contain numerical path segments.": "路径中不能有纯数字的段。", "Must not be a prohibited path.": "不能使用这个路径。",
  "Must not cause two binding paths to collide": "不能与其他字段的路径冲突", "Must not contain prefix.": "不能包含前缀。",
  "Must be a valid QName.": "必须是有效的 QName。", "Should be a valid number.": "必须是有效的数字。",
  "Should be a valid number": "必须是有效的数字", "Should be an integer.": "必须是整数。",
  "Should be greater than zero.": "必须大于 0。", "Should be greater than or equal to zero.": "必须大于或等于 0。",
  "A number is required.": "需要一个数字。", "Value must be a number.": "值必须是数字。", "Must be number": "必须是数字",
  "For security reasons the URL must start with \"https\".": "出于安全考虑，网址必须以 https 开头。",
};

const PATTERNS = [
  [/^Create an? (.+) element$/, (m) => `添加${m[1]}`],
  [/^Remove (.+)$/, (m) => `删除${m[1]}`],
  [/^List contains (\d+) items?$/, (m) => `共 ${m[1]} 项`],
  [/^Click to (remove|set a) dynamic value with FEEL expression$/,
    (m) => (m[1] === "remove" ? "取消 FEEL 动态值" : "用 FEEL 表达式设置动态值")],
];

// What the designer wrote is shown in these places: never translated.
const OWN_TEXT = ".bio-properties-panel-header-label, .bio-properties-panel-collapsible-entry-header-title, "
  + ".cm-editor, [contenteditable], textarea, .fjs-form-field";
// In the canvas only the editor's own hints are translated (the rest is the form itself).
const CHROME = ".fjs-palette, .fjs-properties-container, .bio-properties-panel, .fjs-empty-editor, "
  + ".fjs-empty-component, .fjs-context-pad, #designer-properties";

export function isChinese(lang) {
  return (lang || "").toLowerCase().startsWith("zh");
}

export function translated(text) {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (TEXTS[trimmed]) return text.replace(trimmed, TEXTS[trimmed]);
  for (const [pattern, word] of PATTERNS) {
    const m = trimmed.match(pattern);
    if (m) return text.replace(trimmed, word(m));
  }
  return null;
}

/** The editor module renaming the components (palette, search, properties header). */
function ComponentNames(formFields) {
  for (const field of Object.values(formFields._formFields)) {
    const name = field.config && (field.config.name || field.config.label);
    if (NAMES[name]) field.config = { ...field.config, name: NAMES[name] };
  }
}
ComponentNames.$inject = ["formFields"];

export const componentNamesModule = { __init__: ["gfComponentNames"], gfComponentNames: ["type", ComponentNames] };

function translateNode(node) {
  const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (!element || element.closest(OWN_TEXT) || !element.closest(CHROME)) return;
  if (node.nodeType === Node.TEXT_NODE) {
    const text = translated(node.data);
    if (text !== null && text !== node.data) node.data = text;
    return;
  }
  for (const attribute of ["title", "placeholder", "aria-label"]) {
    const value = node.getAttribute(attribute);
    const text = value && translated(value);
    if (text && text !== value) node.setAttribute(attribute, text);
  }
}

function translateTree(root) {
  if (root.nodeType === Node.TEXT_NODE) return translateNode(root);
  if (root.nodeType !== Node.ELEMENT_NODE) return;
  translateNode(root);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) translateNode(walker.currentNode);
}

/** Translate the editor's chrome under ``roots`` now and whenever form-js redraws it. */
export function translateChrome(roots) {
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "childList") record.addedNodes.forEach(translateTree);
      else translateNode(record.target);
    }
  });
  for (const root of roots.filter(Boolean)) {
    translateTree(root);
    observer.observe(root, { subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ["title", "placeholder", "aria-label"] });
  }
  return observer;
}
