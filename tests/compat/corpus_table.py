"""What each corpus diagram does on this platform, with the reason.

Every ``.bpmn`` under ``camunda-bpm-examples/`` appears in exactly one of the two
tables; so do the SpiffWorkflow test diagrams that no case of ``cases.json`` runs.
Paths are relative to the corpus folder and are also the deployment file names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

CAMUNDA = "camunda-bpm-examples/"
SPIFF = "spiffworkflow-camunda/"
_MT = CAMUNDA + "multi-tenancy/"
_JOBS = CAMUNDA + "testing/assert/job-announcement-publication-process/src/test/resources/"
_SHARED_DEFS = _MT + "tenant-identifier-shared-definitions/src/main/resources/processes/"


@dataclass(frozen=True)
class Refused:
    """The deployment is refused; the lint reports ``code`` at each of ``elements``."""
    code: str
    elements: tuple[str, ...]
    reason: str
    #: Corpus files deployed together with it (the processes it calls).
    with_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Runs:
    """The deployment is accepted; one instance is driven to the state described."""
    reason: str
    #: Human tasks completed, in order (element ids).
    path: tuple[str, ...] = ()
    #: Service tasks the pass-through handlers ran, in order (element ids).
    services: tuple[str, ...] = ()
    #: Messages the instance waited for and received, in order.
    messages: tuple[str, ...] = ()
    status: str = "completed"
    #: (element id, text in its message) of the one open incident, when it ends failed.
    incident: tuple[str, str] | None = None
    variables: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)
    with_files: tuple[str, ...] = ()
    #: The process to start when the deployment has several (default: the file's own).
    process: str | None = None


REFUSED: dict[str, Refused] = {
    CAMUNDA + "clients/java/order-handling/order-handling.bpmn": Refused(
        "timer-cycle-too-frequent", ("StartEvent_1",),
        "a Quartz cron cycle firing every 5 seconds ('0/5 0/1 * 1/1 * ?'); TIMER_MIN_INTERVAL is 60 s"),
    CAMUNDA + "spring-boot-starter/external-task-client/loan-granting-spring-boot-webapp/src/main/resources/"
              "bpmn/loan-granting.bpmn": Refused(
        "timer-cycle-too-frequent", ("StartEvent_1",), "the same Quartz cron start timer"),
    CAMUNDA + "scripttask/xslt-scripttask/src/main/resources/xslt-example.bpmn": Refused(
        "missing-script", ("ScriptTask_1",),
        "an XSLT script loaded from a classpath resource (camunda:resource); only inline Python scripts run"),
    CAMUNDA + "servicetask/rest-service/src/main/resources/invokeRestService.bpmn": Refused(
        "unsupported-connector", ("ServiceTask_1",),
        "a Camunda HTTP connector; outside calls go through registered handlers"),
    CAMUNDA + "usertask/task-form-embedded-json-variables/src/main/resources/process.bpmn": Refused(
        "untranslatable-expression", ("SequenceFlow_4", "SequenceFlow_5"),
        "gateway conditions call Spin methods (customer.prop(\"age\").numberValue()); JUEL may not call methods"),
    _JOBS + "camunda-testing-job-announcement.bpmn": Refused(
        "untranslatable-expression", ("correct", "review"),
        "assignees call a bean method (#{jobAnnouncementService.findRequester(…)}); JUEL may not call methods",
        with_files=(_JOBS + "camunda-testing-job-announcement-publication.bpmn",)),
    CAMUNDA + "bpmn-model-api/parse-bpmn/src/test/resources/process.bpmn": Refused(
        "unsupported-script", ("scriptTask",), "a Groovy script; scripts run as sandboxed Python"),
    CAMUNDA + "spin/dataformat-configuration-global/src/main/resources/testProcess.bpmn": Refused(
        "unsupported-script", ("ScriptTask_1",), "a JavaScript (Spin) script; scripts run as sandboxed Python"),
    CAMUNDA + "spin/dataformat-configuration-in-process-application/src/main/resources/testProcess.bpmn": Refused(
        "unsupported-script", ("ScriptTask_1",), "the same JavaScript script"),
}

_DELEGATE = "a Java delegate, replaced by a pass-through handler"
_USER_TASK = "a single user task; the administrator completes it"

RUNS: dict[str, Runs] = {
    CAMUNDA + "deployment/ejb-pa-jakarta/src/main/resources/EjbExpressionResolvingTest.testResolveBean.bpmn": Runs(
        "an EJB bean by delegateExpression, replaced by a pass-through handler", services=("servicetask1",)),
    CAMUNDA + "deployment/embedded-spring-rest/src/main/resources/loanApproval.bpmn": Runs(
        "a Spring bean by delegateExpression", services=("ServiceTask_1",)),
    CAMUNDA + "deployment/servlet-pa/src/main/resources/exampleProcess.bpmn": Runs(
        _DELEGATE, services=("ServiceTask_1",)),
    CAMUNDA + "deployment/spring-servlet-pa-tomcat/src/main/resources/"
              "SpringExpressionResolvingTest.testResolveBean.bpmn": Runs(
        "${exampleBean.invoke()} names the handler exampleBean", services=("servicetask1",)),
    CAMUNDA + "deployment/spring-servlet-pa-tomcat/src/main/resources/"
              "SpringExpressionResolvingTest.testResolveBeanFromJobExecutor.bpmn": Runs(
        "a Spring bean by delegateExpression", services=("servicetask1",)),
    CAMUNDA + "deployment/spring-servlet-pa-wildfly/src/main/resources/"
              "SpringExpressionResolvingTest.testResolveBean.bpmn": Runs(
        "${exampleBean.invoke()} names the handler exampleBean", services=("servicetask1",)),
    CAMUNDA + "deployment/spring-servlet-pa-wildfly/src/main/resources/"
              "SpringExpressionResolvingTest.testResolveBeanFromJobExecutor.bpmn": Runs(
        "asyncBefore is ignored: the handler runs in the step that reaches it", services=("servicetask1",)),
    CAMUNDA + "migration/migrate-on-deployment/src/main/resources/exampleProcess.bpmn": Runs(
        "camunda:initiator is not set by the platform, so the start variable 'initiator' names the assignee",
        path=("UserTask_14494ua",), variables={"initiator": "admin"}),
    _MT + "schema-isolation/src/main/resources/processes/tenant1/tenant1_process.bpmn": Runs(
        _USER_TASK, path=("UserTask_1",)),
    _MT + "schema-isolation/src/main/resources/processes/tenant2/tenant2_process.bpmn": Runs(
        "a #{…} delegate bean, then a user task", path=("UserTask_1",), services=("ServiceTask_0pwqvlr",)),
    _MT + "tenant-identifier-embedded/src/main/resources/processes/tenant1/tenant1_process.bpmn": Runs(
        _DELEGATE + ", after a user task", path=("UserTask_0ip48n0",), services=("ServiceTask_0dsnjuy",)),
    _MT + "tenant-identifier-embedded/src/main/resources/processes/tenant2/tenant2_process.bpmn": Runs(
        _DELEGATE + ", after a user task", path=("UserTask_0ip48n0",), services=("ServiceTask_0dsnjuy",)),
    _SHARED_DEFS + "default/mainProcess.bpmn": Runs(
        "a call activity into the default subProcess, deployed with it; camunda:calledElementTenantId is ignored",
        path=("UserTask_0zlyiaz",), with_files=(_SHARED_DEFS + "default/subProcess.bpmn",)),
    _SHARED_DEFS + "default/subProcess.bpmn": Runs(_USER_TASK, path=("UserTask_0zlyiaz",)),
    _SHARED_DEFS + "tenant2/subProcess.bpmn": Runs(
        "two user tasks in sequence", path=("UserTask_17fr4ij", "UserTask_0wbry7k")),
    _MT + "tenant-identifier-shared/src/main/resources/processes/tenant1/tenant1_process.bpmn": Runs(
        _DELEGATE + ", after a user task", path=("UserTask_0ip48n0",), services=("ServiceTask_0dsnjuy",)),
    _MT + "tenant-identifier-shared/src/main/resources/processes/tenant2/tenant2_process.bpmn": Runs(
        _DELEGATE + ", after a user task", path=("UserTask_0ip48n0",), services=("ServiceTask_0dsnjuy",)),
    CAMUNDA + "process-engine-plugin/bpmn-parse-listener/src/main/resources/bpmnParseListener.bpmn": Runs(
        "two Java delegates in sequence", services=("ServiceTask_1", "ServiceTask_2")),
    CAMUNDA + "process-engine-plugin/bpmn-parse-listener/src/main/resources/bpmnParseListenerOnUserTask.bpmn": Runs(
        "two user tasks assigned to Camunda demo users (Kermit, Fozzie); the administrator sees and works both",
        path=("Task_1i9jsnp", "Task_01v3a6u")),
    **{CAMUNDA + f"process-engine-plugin/custom-history-level/src/main/resources/{name}.bpmn": Runs(
        _DELEGATE + " that would create variables", services=("ServiceTask_1",))
       for name in ("process-history-activity", "process-history-custom-variable", "process-history-full",
                    "process-history-none", "process")},
    CAMUNDA + "process-engine-plugin/failed-job-retry-profile/src/main/resources/retry-example.bpmn": Runs(
        "four Java delegates in sequence; the retry profile is Camunda job-executor configuration",
        services=("service-fetch-data", "service-fetch-address", "service-send-data", "service-add-address")),
    CAMUNDA + "process-engine-plugin/handling-jpa-variables/src/test/resources/process.bpmn": Runs(
        "a user task without assignment", path=("check-variables",)),
    CAMUNDA + "quarkus-extension/datasource-example/src/main/resources/bpmn/process.bpmn": Runs(
        "a CDI bean by delegateExpression", services=("Activity_148bip1",)),
    CAMUNDA + "quarkus-extension/spin-plugin-example/src/main/resources/process.bpmn": Runs(
        "a sequential multi-instance subprocess over camunda:collection orderItems (two given at start)",
        services=("Activity_0x1k9u4", "Activity_0x1k9u4"), variables={"orderItems": [{"id": 1}, {"id": 2}]}),
    CAMUNDA + "servicetask/service-invocation-asynchronous/src/main/resources/asynchronousServiceInvocation.bpmn":
        Runs(_DELEGATE + " between two wait states", path=("waitStateBefore", "waitStateAfter"),
             services=("serviceTaskActivity",)),
    CAMUNDA + "servicetask/service-invocation-synchronous/src/main/resources/synchronousServiceInvocation.bpmn":
        Runs(_DELEGATE + " between two wait states", path=("waitStateBefore", "waitStateAfter"),
             services=("ServiceTask_1",)),
    CAMUNDA + "spring-boot-starter/example-simple/src/main/resources/bpmn/sample.bpmn": Runs(
        "a user task, then a Spring bean", path=("UserTask_1",), services=("ServiceTask_1",)),
    CAMUNDA + "spring-boot-starter/example-twitter/src/main/resources/TwitterDemoProcess.bpmn": Runs(
        "the reviewer approves (approved=true), so the tweet is published, not rejected",
        path=("user_task_review_tweet",), services=("service_task_publish_on_twitter",),
        answers={"user_task_review_tweet": {"approved": True}}),
    CAMUNDA + "spring-boot-starter/example-web/src/main/resources/bpmn/sample.bpmn": Runs(
        "a user task, then a Spring bean", path=("UserTask_1",), services=("ServiceTask_1",)),
    CAMUNDA + "spring-boot-starter/example-webapp-ee/src/main/resources/bpmn/sample.bpmn": Runs(
        _USER_TASK, path=("UserTask_1",)),
    CAMUNDA + "spring-boot-starter/example-webapp/src/main/resources/bpmn/sample.bpmn": Runs(
        "a user task, then a Spring bean", path=("UserTask_1",), services=("ServiceTask_1",)),
    CAMUNDA + "startevent/message-start/src/main/resources/instantiating_process.bpmn": Runs(
        "the delegate that would start the other process by message is a pass-through; then a user task",
        path=("UserTask_1",), services=("ServiceTask_1",)),
    CAMUNDA + "startevent/message-start/src/main/resources/message_start_process.bpmn": Runs(
        "a message start event: the started instance waits for instantiationMessage, delivered by instance id",
        path=("UserTask_1",), messages=("instantiationMessage",)),
    _JOBS + "camunda-testing-job-announcement-publication.bpmn": Runs(
        "parallel branches with exclusive choices: twitter=true, facebook=false",
        services=("publish_announcement_website", "publish_announcement_twitter"),
        variables={"jobAnnouncementId": 1, "twitter": True, "facebook": False}),
    CAMUNDA + "testing/junit5/camunda-bpm-junit-assert/src/test/resources/testProcess.bpmn": Runs(
        _USER_TASK, path=("UserTask_1",)),
    CAMUNDA + "testing/junit5/camunda-bpm-junit-use-engine/src/test/resources/testProcess.bpmn": Runs(
        _USER_TASK, path=("UserTask_1",)),
    CAMUNDA + "usertask/task-camunda-forms/src/main/resources/invoiceApproval.bpmn": Runs(
        "a Camunda Forms formKey: no schema here, so the task takes any values", path=("UserTask_1",)),
    CAMUNDA + "usertask/task-form-embedded-bpmn-events/src/main/resources/invoicePayment.bpmn": Runs(
        "error and escalation boundaries that only the embedded form's script would raise; paid normally",
        path=("Task_16y91ka",)),
    CAMUNDA + "usertask/task-form-embedded-react/src/main/resources/react-example.bpmn": Runs(
        "approved=true; the untyped bpmn:task elements pass straight through, as in Camunda",
        path=("Task_1a9adlo",), answers={"Task_1a9adlo": {"approved": True}}),
    CAMUNDA + "usertask/task-form-embedded/src/main/resources/loanApproval.bpmn": Runs(
        _USER_TASK, path=("UserTask_1",)),
    CAMUNDA + "wildfly/jackson-annotations/src/main/resources/waitingState.bpmn": Runs(
        "the 'waiting state' is one user task; completing it ends the instance", path=("Task_0xibf8v",)),
    SPIFF + "no_form.bpmn": Runs("a user task without a form takes no values", path=("Task_Not_A_Darn_Thing",)),
    SPIFF + "random_fact.bpmn": Runs(
        "the script calls scripts.FactService from SpiffWorkflow's test harness; the sandbox offers no such "
        "name, so the step becomes an incident (cases.json only checks this file's form)",
        path=("Task_User_Select_Type",), status="error",
        incident=("Task_Get_Fact_From_API", "name 'scripts' is not defined")),
}
