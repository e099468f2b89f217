"""Target 5: resident memory of the gunicorn workers over many mixed requests.

A seeded random client keeps 40 instances in flight and, request by request, picks
one: it reads the worklist, the task, completes it, searches and reads instances and
their audit trail, sends the closing message, and starts a new instance when one
ends — the API used the way the demo's people use it. Each worker's RSS
(/proc/PID/status) is sampled every 200 requests.

Named figures: the largest RSS of any worker, and its growth over the last half
(RSS at the end minus RSS at the half-way sample, the larger of the two workers).
"""
from __future__ import annotations

import random
from urllib.parse import urlencode

from .harness import part_main
from .http_api import ApiDriver
from .scenario import PNG, load, with_uploads
from .server import gunicorn, prepare, rss_mb, worker_pids

IN_FLIGHT = 40
SAMPLE_EVERY = 200


class Traffic:
    def __init__(self, driver: ApiDriver, rng: random.Random):
        self.driver, self.rng = driver, rng
        self.scenario = driver.scenario
        self.position: dict[int, int] = {}   #: instance id -> index of its next main step
        self.requests = 0
        self.failures: list[str] = []

    def _call(self, user: str, method: str, path: str, body=None):
        self.requests += 1
        status, data, _ = self.driver.clients[user].request(method, path, body)
        if status >= 400 and len(self.failures) < 5:
            self.failures.append(f"{method} {path}: {status} {str(data)[:200]}")
        return status, data

    def start(self) -> None:
        s = self.scenario
        status, body = self._call("grid1", "POST", "/api/v1/process-instances", {
            "process_key": s.process_key, "org_unit": s.org_unit,
            "variables": with_uploads(s.start_variables, lambda: self.driver.clients["grid1"].upload(PNG))})
        if status == 201:
            self.position[body["id"]] = 0

    def one(self) -> None:
        """One request of the mix."""
        if len(self.position) < IN_FLIGHT:
            return self.start()
        instance_id = self.rng.choice(list(self.position))
        index = self.position[instance_id]
        if index >= len(self.scenario.main):
            return self._close(instance_id)
        step = self.scenario.main[index]
        kind = self.rng.random()
        if kind < 0.25:
            self._call(step.username, "GET", "/api/v1/tasks?" + urlencode({"filter": "all", "limit": 20}))
        elif kind < 0.35:
            self._call("admin", "GET", "/api/v1/process-instances?" + urlencode(
                {"limit": 20, "status": self.rng.choice(("active", "completed"))}))
        elif kind < 0.45:
            self._call("secretary", "GET", f"/api/v1/process-instances/{instance_id}")
        elif kind < 0.5:
            self._call("admin", "GET", f"/api/v1/process-instances/{instance_id}/events")
        else:
            status, tasks = self._call(step.username, "GET", "/api/v1/tasks?" + urlencode(
                {"instance_id": instance_id, "filter": "all"}))
            found = [t["id"] for t in tasks or [] if t["element_id"] == step.element_id] if status == 200 else []
            if not found:
                self.position.pop(instance_id)
                return None
            self._call(step.username, "GET", f"/api/v1/tasks/{found[0]}")
            status, _ = self._call(step.username, "POST", f"/api/v1/tasks/{found[0]}/complete",
                                   {"variables": with_uploads(
                                       step.values, lambda: self.driver.clients[step.username].upload(PNG))})
            if status == 200:
                self.position[instance_id] = index + 1
        return None

    def _close(self, instance_id: int) -> None:
        message = self.scenario.finish_message
        if message:
            self._call("admin", "POST", "/api/v1/messages", {"name": message["name"], "instance_id": instance_id,
                                                             "variables": message["variables"]})
        self.position.pop(instance_id)


def run(scale, db_kind: str) -> dict:
    scenario = load()
    database, tokens = prepare(db_kind, "memory", scenario, scenario.users)
    samples = []
    try:
        with gunicorn(database.url, log_name=f"gunicorn_memory_{db_kind}") as (port, master):
            pids = worker_pids(master)
            traffic = Traffic(ApiDriver(port, tokens, scenario), random.Random(11))
            samples.append([0] + [round(rss_mb(p), 1) for p in pids])
            next_sample = SAMPLE_EVERY
            while traffic.requests < scale.memory_requests:
                traffic.one()
                if traffic.requests >= next_sample:
                    samples.append([traffic.requests] + [round(rss_mb(p), 1) for p in pids])
                    next_sample += SAMPLE_EVERY
            restarted = worker_pids(master) != pids
    finally:
        database.drop()
    half = min(samples, key=lambda s: abs(s[0] - traffic.requests / 2))
    end = samples[-1]
    return {"db": db_kind, "requests": traffic.requests, "workers": pids, "workers_restarted": restarted,
            "samples": samples, "max_rss_mb": max(max(s[1:]) for s in samples),
            "growth_last_half_mb": round(max(e - h for e, h in zip(end[1:], half[1:])), 1),
            "rss_half_mb": half[1:], "rss_end_mb": end[1:], "failures": traffic.failures}


if __name__ == "__main__":
    part_main(run)
