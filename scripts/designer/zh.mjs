// Chinese labels of the properties panel and the modeler, for pages served in zh-CN
// (bpmn-js looks every label up through its `translate` service).
const ZH = {
  "General": "常规", "Name": "名称", "ID": "ID", "Documentation": "说明", "Element documentation": "元素说明",
  "Process documentation": "流程说明", "Version tag": "版本标签", "Executable": "可执行",
  "User assignment": "人员分配", "Assignee": "办理人", "Candidate groups": "候选角色",
  "Candidate users": "候选人", "Due date": "办理时限", "Follow up date": "跟进时间", "Priority": "优先级",
  "Forms": "表单", "Form": "表单", "Type": "类型", "Custom form key": "表单标识", "Form key": "表单标识",
  "Embedded or External Task Forms": "嵌入或外部表单", "Camunda Forms": "Camunda 表单",
  "Generated Task Forms": "生成的表单", "Form fields": "表单字段", "Business key": "业务编号",
  "Implementation": "实现方式", "Delegate expression": "委托表达式", "Expression": "表达式",
  "Java class": "Java 类", "External": "外部任务", "Connector": "连接器", "Topic": "主题",
  "Result variable": "结果变量", "Script": "脚本", "Format": "格式", "Inline script": "内联脚本",
  "External resource": "外部资源", "Resource": "资源", "Script type": "脚本类型",
  "Timer": "定时器", "Date": "日期", "Duration": "时长", "Cycle": "周期", "Value": "值",
  "Condition": "条件", "Condition expression": "条件表达式", "Conditions": "条件",
  "Message": "消息", "Signal": "信号", "Error": "错误", "Escalation": "升级",
  "Global message reference": "消息引用", "Global signal reference": "信号引用",
  "Called element": "被调用流程", "Binding": "绑定", "Tenant ID": "租户 ID",
  "Multi-instance": "多实例", "Loop cardinality": "循环次数", "Collection": "集合",
  "Element variable": "元素变量", "Completion condition": "完成条件",
  "Asynchronous continuations": "异步延续", "Before": "之前", "After": "之后", "Exclusive": "排他",
  "Job execution": "作业执行", "Retry time cycle": "重试周期",
  "Inputs": "输入", "Outputs": "输出", "Input mapping": "输入映射", "Output mapping": "输出映射",
  "Local variable name": "局部变量名", "Process variable name": "流程变量名", "Assignment type": "赋值类型",
  "Execution listeners": "执行监听器", "Task listeners": "任务监听器", "Event type": "事件类型",
  "Listener type": "监听器类型", "Extension properties": "扩展属性", "Properties": "属性",
  "Start initiator": "发起人", "Initiator": "发起人变量", "Startable": "可发起",
  "Candidate starter groups": "可发起角色", "Candidate starter users": "可发起人员",
  "History cleanup": "历史清理", "Time to live": "保留时长", "Tasklist": "任务列表",
  "Process name": "流程名称", "Process ID": "流程 ID", "Participant Name": "参与者名称",
  "Create new ...": "新建…", "<none>": "<无>", "<empty>": "<空>", "Add": "添加", "Delete": "删除",
  "Create": "创建", "Remove": "删除", "Append": "追加", "Change type": "更改类型",
  "Append task": "追加任务", "Append gateway": "追加网关", "Append end event": "追加结束事件",
  "Append intermediate/boundary event": "追加中间/边界事件", "Connect using sequence/message flow or association": "用连线连接",
  "Activate the hand tool": "抓手工具", "Activate the lasso tool": "套索工具",
  "Activate the create/remove space tool": "空间工具", "Activate the global connect tool": "连线工具",
  "Create start event": "创建开始事件", "Create end event": "创建结束事件", "Create task": "创建任务",
  "Create gateway": "创建网关", "Create intermediate/boundary event": "创建中间/边界事件",
  "Create pool/participant": "创建池/参与者", "Create expanded subprocess": "创建展开的子流程",
  "Create data object reference": "创建数据对象", "Create data store reference": "创建数据存储",
  "Create group": "创建分组", "Learn more.": "了解更多。",
  "<custom type>": "<自定义类型>", "Add text annotation": "添加文本注释", "Candidate starter": "可发起者",
  "Change element": "更改元素", "Condition Expression": "条件表达式", "Config": "配置",
  "Connect to other element": "连接到其他元素", "Create new list item": "新建列表项", "Default value": "默认值",
  "Delete item": "删除项", "External task": "外部任务", "Label": "标签", "Open pop-up editor": "打开弹出编辑器",
  "Process variables": "流程变量", "Refers to the process variable name": "对应流程变量名",
  "Specify more than one group as a comma separated list.": "多个角色用英文逗号分隔。",
  "Specify more than one user as a comma separated list.": "多个人员用英文逗号分隔。",
  "The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).":
    "办理时限：EL 表达式（如 ${someDate}）、ISO 日期（如 2015-06-26T09:54:00）或时长（如 P3D）。",
  "The follow up date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).":
    "跟进时间：EL 表达式（如 ${someDate}）或 ISO 日期（如 2015-06-26T09:54:00）。",
  "This maps to the process definition key.": "即流程定义的 key。", "Toggle list item": "展开/收起列表项",
  "Toggle section": "展开/收起分组", "boolean": "布尔", "date": "日期", "enum": "枚举", "long": "整数",
  "string": "文本",
  // The properties panel's own buttons and markers (@bpmn-io/properties-panel).
  "Open documentation": "打开文档", "Section contains an error": "本分组有错误", "Section contains edits": "本分组已修改",
  "JSON contains errors": "JSON 有错误", "Opened in editor": "已在编辑器中打开", "FEEL expression is mandatory": "必须填写 FEEL 表达式",
  "Unparsable FEEL expression.": "无法解析的 FEEL 表达式。", "List contains {numOfItems} item": "列表有 {numOfItems} 项",
  "List contains {numOfItems} items": "列表有 {numOfItems} 项",
  "Click to remove dynamic value with FEEL expression": "点击取消 FEEL 表达式动态值",
  "Click to set a dynamic value with FEEL expression": "点击用 FEEL 表达式设置动态值",
};

// `extra`: another editor's labels (the decision tables: zh_dmn.mjs).
export function translateModule(lang, extra = {}) {
  const zh = (lang || "").toLowerCase().startsWith("zh");
  const table = { ...ZH, ...extra };
  const translate = (template, replacements = {}) => {
    const text = zh && table[template] ? table[template] : template;
    return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : `{${key}}`));
  };
  // The properties panel's own fallback asks this one (build_assets.mjs, panelFallback).
  globalThis.govflowTranslate = translate;
  return { translate: ["value", translate] };
}
