// A worker written as an integrator would with Camunda's npm client
// (camunda-external-task-client-js), run by tests/camunda_rest/test_js_client.py.
// Topics: "geocode" completes with variables, or — for the address "FAIL" — reports
// failures counting the retries down; "verify-id" throws the BPMN error ID_INVALID.
// Prints one JSON line per handled task; stops on SIGTERM.
import { BasicAuthInterceptor, Client, Variables } from "camunda-external-task-client-js";

const client = new Client({
  baseUrl: process.env.ENGINE_REST,
  interceptors: new BasicAuthInterceptor({ username: process.env.ENGINE_USER, password: process.env.ENGINE_PASSWORD }),
  workerId: "js-worker",
  asyncResponseTimeout: 1000,
  interval: 50,
  lockDuration: 10000,
  maxTasks: 5,
});

const report = (event) => process.stdout.write(JSON.stringify(event) + "\n");
client.on("poll:error", (e) => report({ event: "poll:error", message: String(e) }));

client.subscribe("geocode", async ({ task, taskService }) => {
  const address = task.variables.get("address");
  if (address === "FAIL") {
    // Camunda's documented pattern: start at 2 retries, count down to 0 (an incident).
    const retries = task.retries === null || task.retries === undefined ? 2 : task.retries - 1;
    report({ event: "failure", instance: task.processInstanceId, seen: task.retries ?? null, retries });
    await taskService.handleFailure(task, { errorMessage: "地图服务不可用", errorDetails: "HTTP 503",
                                            retries, retryTimeout: 0 });
    return;
  }
  const result = new Variables().setAll({ lat: 39.9, located: true }).set("source", "js-client");
  await taskService.complete(task, result);
  report({ event: "complete", instance: task.processInstanceId, address });
});

client.subscribe("verify-id", async ({ task, taskService }) => {
  const details = new Variables().set("reason", "checksum");
  await taskService.handleBpmnError(task, "ID_INVALID", "证件号校验位错误", details);
  report({ event: "bpmnError", instance: task.processInstanceId });
});

process.on("SIGTERM", () => { client.stop(); process.exit(0); });
