"""Target 2: the same user steps over the REST API, gunicorn with 2 workers.

Per step the client asks the worklist for the instance's open task
(``GET /api/v1/tasks?instance_id=…``, reported apart) and then completes it
(``POST /api/v1/tasks/{id}/complete``): the POST, measured at the client from send
to last byte, is the step. Instances are interleaved as in the other parts, so
consecutive steps of one instance land on either worker and the engine cache hits
only sometimes, as in production. A second pass runs two clients at once
(throughput with both workers busy).
"""
from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

from .harness import part_main, summary_ms
from .scenario import PNG, Scenario, load, with_uploads
from .server import Client, gunicorn, prepare


class ApiDriver:
    """Drives instances of a scenario through the API as the scenario's users."""

    def __init__(self, port: int, tokens: dict, scenario: Scenario):
        self.clients = {user: Client(port, token) for user, token in tokens.items()}
        self.scenario = scenario

    def start(self, starter: str = "grid1") -> int:
        s = self.scenario
        client = self.clients[starter]
        status, body, _ = client.post("/api/v1/process-instances", {
            "process_key": s.process_key, "org_unit": s.org_unit,
            "variables": with_uploads(s.start_variables, lambda: client.upload(PNG))})
        if status != 201:
            raise RuntimeError(f"start answered {status}: {body}")
        return body["id"]

    def task_id(self, instance_id: int, step) -> tuple[int, float]:
        query = urlencode({"instance_id": instance_id, "filter": "all"})
        status, body, seconds = self.clients[step.username].get(f"/api/v1/tasks?{query}")
        found = [t["id"] for t in body or [] if t["element_id"] == step.element_id] if status == 200 else []
        if not found:
            raise RuntimeError(f"{step.username} sees no open {step.element_id} in instance {instance_id}: {body}")
        return found[0], seconds

    def complete(self, task_id: int, step) -> float:
        client = self.clients[step.username]
        values = with_uploads(step.values, lambda: client.upload(PNG))  # before the timed request
        status, body, seconds = client.post(f"/api/v1/tasks/{task_id}/complete", {"variables": values})
        if status != 200:
            raise RuntimeError(f"complete {step.element_id} answered {status}: {body}")
        return seconds


def sequential(driver: ApiDriver, instances: int) -> dict:
    ids = [driver.start() for _ in range(instances)]
    steps: dict[str, list[float]] = {}
    lookups = []
    for step in driver.scenario.main:
        for instance_id in ids:
            task_id, lookup = driver.task_id(instance_id, step)
            lookups.append(lookup)
            steps.setdefault(step.element_id, []).append(driver.complete(task_id, step))
    every = [t for values in steps.values() for t in values]
    out = summary_ms(every)
    out["steps_per_s"] = round(1 / (sum(every) / len(every)), 2)
    out["per_element"] = {k: summary_ms(v) for k, v in steps.items()}
    out["worklist_lookup"] = summary_ms(lookups)
    return out


def concurrent(driver: ApiDriver, instances: int, clients: int = 2) -> dict:
    """``clients`` threads, each driving its own instances; completions per second of wall time."""
    ids = [driver.start() for _ in range(instances * clients)]
    errors, times = [], []

    def work(mine):
        try:
            for step in driver.scenario.main:
                for instance_id in mine:
                    task_id, _ = driver.task_id(instance_id, step)
                    times.append(driver.complete(task_id, step))
        except Exception as exc:  # noqa: BLE001 - reported, not raised in a thread
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(ids[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "completions": len(times), "wall_s": round(wall, 2),
            "completions_per_s_wall": round(len(times) / wall, 2), "errors": errors[:3], **summary_ms(times)}


def run(scale, db_kind: str) -> dict:
    scenario = load()
    database, tokens = prepare(db_kind, "http", scenario, scenario.users)
    try:
        with gunicorn(database.url, log_name=f"gunicorn_http_{db_kind}") as (port, _):
            driver = ApiDriver(port, tokens, scenario)
            sequential(driver, 2)  # warm-up: both workers import, parse bundles, fill caches
            result = {"scenario": scenario.name, "db": db_kind, "instances": scale.instances,
                      "sequential": sequential(driver, scale.instances),
                      "concurrent": concurrent(driver, max(2, scale.instances // 2))}
    finally:
        database.drop()
    return result


if __name__ == "__main__":
    part_main(run)
