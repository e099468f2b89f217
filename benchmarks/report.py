"""Turn the parts' results into named figures, the target table and the plots."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Target:
    number: str
    figure: str          #: the named figure in results.json
    what: str
    value: object
    limit: float | None  #: None: reported, no limit
    sense: str           #: ">=", "<=", "==" (value must equal True)
    load: list | None    #: 1/5/15-minute load average when the part began
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        if self.sense == "==":
            return bool(self.value)
        if self.limit is None:
            return None
        return self.value >= self.limit if self.sense == ">=" else self.value <= self.limit

    @property
    def margin(self) -> str:
        if self.value is None or self.limit is None or self.sense == "==":
            return ""
        share = (self.value - self.limit) / self.limit if self.sense == ">=" else (self.limit - self.value) / self.limit
        return f"{share:+.0%}"

    def row(self) -> dict:
        return {"target": self.number, "figure": self.figure, "what": self.what, "value": self.value,
                "limit": None if self.limit is None else f"{self.sense} {self.limit}",
                "met": self.met, "margin": self.margin, "load_average": self.load, "note": self.note}


def _get(parts: dict, key: str, *path):
    value = parts.get(key)
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _load(parts: dict, key: str):
    return _get(parts, key, "load_average", "before")


def _trivial_targets(parts: dict) -> list[Target]:
    """Issue #20: the platform's fixed cost, on a diagram whose engine step is ~1 ms.
    Each database's ratios use the bare rate measured in the same part alongside the
    platform figure: interleaved with the service layer's completions, around the HTTP
    run (the mean of the bare runs just before and after it)."""
    out = []
    for db in ("sqlite", "postgres"):
        key = f"trivial:{db}"
        bare = _get(parts, key, "bare", "steps_per_s")
        load = _load(parts, key)
        service = _get(parts, key, "service", "steps_per_s")
        http = _get(parts, key, "http", "completions_per_s")
        bare_service = _get(parts, key, "service", "bare_steps_per_s") or bare
        bare_http = _get(parts, key, "http", "bare_steps_per_s") or bare
        out.append(Target("7", f"trivial_service_vs_bare_{db}", f"trivial loop: service-layer completions/s ÷ "
                          f"bare engine steps/s ({db}, cold cache)", _ratio(service, bare_service), 0.5, ">=", load,
                          f"{service} vs {bare_service} steps/s (bare interleaved; alone before: {bare})"
                          if service else "not run"))
        floor = _get(parts, key, "service", "floor") or {}
        out.append(Target("7", f"trivial_service_ceiling_{db}", f"the best service-layer ratio any code could "
                          f"reach: bare step ÷ (bare step + the bare driver's durable lock-read-write-commit) "
                          f"({db}; benchmarks/floor.py)", floor.get("ceiling"), None, ">=", load,
                          f"{floor.get('transaction_ms_median')} ms per transaction vs "
                          f"{floor.get('bare_steps_per_s')} bare steps/s" if floor else "not run"))
        out.append(Target("7", f"trivial_http_vs_bare_{db}", f"trivial loop over HTTP (start, open, complete; "
                          f"4 clients, 2 workers) ÷ bare engine steps/s ({db})", _ratio(http, bare_http), 0.25, ">=",
                          load, f"{http} vs {bare_http} steps/s" if http else "not run"))
        out.append(Target("7", f"trivial_statements_per_completion_{db}", f"SQL statements per service-layer "
                          f"completion, trivial loop ({db})", _get(parts, key, "service", "statements_per_completion"),
                          6, "<=", load))
    key = "trivial:sqlite"
    load = _load(parts, key)
    out.append(Target("7", "trivial_service_cpu_ms_sqlite", "service-layer CPU ms per completion, trivial loop "
                      "(sqlite)", _get(parts, key, "service", "cpu_ms_median"), 3, "<=", load,
                      f"bare engine {_get(parts, key, 'bare', 'cpu_ms_median')} CPU ms per step"))
    out.append(Target("7", "trivial_http_server_cpu_ms_sqlite", "gunicorn workers' CPU ms per completion over "
                      "HTTP, incl. the instance GET before it (sqlite)",
                      _get(parts, key, "http", "server_cpu_ms_per_completion"), 4, "<=", load))
    for read in ("instance", "worklist"):
        out.append(Target("7", f"trivial_{read}_read_cpu_ms_sqlite", f"CPU ms to read {read} as the API does "
                          "(sqlite)", _get(parts, key, "service", "reads", read, "cpu_ms_median"), 1, "<=", load,
                          f"{_get(parts, key, 'service', 'reads', read, 'statements')} statements"))
    return out


def _ratio(a, b):
    return round(a / b, 3) if a and b else None


def targets(parts: dict, scale_name: str) -> list[Target]:
    bare = _get(parts, "bare:sqlite", "modes", "library_json", "steps_per_s")
    out = []

    def ratio(a, b):
        return round(a / b, 3) if a and b else None

    for db in ("sqlite", "postgres"):
        rate = _get(parts, f"service:{db}", "cold", "steps_per_s")
        out.append(Target("1", f"service_vs_bare_{db}", f"service-layer steps/s ÷ bare engine steps/s ({db}, cold cache)",
                          ratio(rate, bare), 0.5, ">=", _load(parts, f"service:{db}"),
                          f"{rate} vs {bare} steps/s" if rate else "not run"))
    bare_cpu = _get(parts, "bare:sqlite", "modes", "library_json", "cpu_ms_mean")
    service_cpu = _get(parts, "service:sqlite", "cold", "cpu_ms_mean")
    out.append(Target("1", "service_vs_bare_sqlite_cpu", "the same by CPU time per step (supporting figure: "
                      "robust when the machine is shared)", ratio(bare_cpu, service_cpu), 0.5, ">=",
                      _load(parts, "service:sqlite"),
                      f"{service_cpu} vs {bare_cpu} CPU ms per step" if service_cpu else "not run"))
    for db in ("sqlite", "postgres"):
        rate = _get(parts, f"http_api:{db}", "sequential", "steps_per_s")
        out.append(Target("2", f"http_vs_bare_{db}", f"REST steps/s (gunicorn, 2 workers) ÷ bare engine steps/s ({db})",
                          ratio(rate, bare), 0.25, ">=", _load(parts, f"http_api:{db}"),
                          f"{rate} vs {bare} steps/s" if rate else "not run"))
    out += _trivial_targets(parts)
    history = parts.get("history:sqlite") or {}
    rounds = history.get("rounds")
    out.append(Target("3", "history_step_ratio", f"step at round {rounds} ÷ step at round 10",
                      history.get("ratio"), 2.0, "<=", _load(parts, "history:sqlite"),
                      f"{history.get('step_ms_last_round')} vs {history.get('step_ms_round_10')} ms"
                      + ("" if rounds == 1000 else f"; {rounds} rounds at this scale, 1,000 in `make bench`")))
    out.append(Target("3", "history_step_ratio_cpu", "the same by CPU time per step (supporting figure: "
                      "robust when the load changes during the run)", history.get("ratio_cpu"), 2.0, "<=",
                      _load(parts, "history:sqlite"),
                      f"{history.get('cpu_ms_last_round')} vs {history.get('cpu_ms_round_10')} CPU ms"
                      if history.get("ratio_cpu") else "not run"))
    out.append(Target("3", "history_completed", f"the instance completes after {rounds} rounds",
                      history.get("final_status") == "completed" if history else None, None, "==",
                      _load(parts, "history:sqlite")))
    for db in ("sqlite", "postgres"):
        volume = parts.get(f"volume:{db}") or {}
        rows = volume.get("largest_rows")
        scale_note = "" if rows == 1_000_000 else f"at {rows or 0:,} rows (1,000,000 in `make bench`)"
        load = _load(parts, f"volume:{db}")
        out.append(Target("4", f"worklist_p95_ms_{db}", f"worklist p95, worst persona ({db})",
                          volume.get("worklist_p95_ms"), 30, "<=", load, scale_note))
        out.append(Target("4", f"worklist_growth_{db}", f"worklist p95 ÷ its p95 at 10,000 rows ({db})",
                          volume.get("worklist_ratio"), 1.5, "<=", load, scale_note))
        out.append(Target("4", f"search_p95_ms_{db}", f"instance search p95, worst persona ({db})",
                          volume.get("search_p95_ms"), 100, "<=", load, scale_note))
        out.append(Target("4", f"dashboard_p95_ms_{db}", f"admin dashboard (GET /admin/dashboard data) p95 ({db})",
                          volume.get("admin_dashboard_p95_ms"), 200, "<=", load, scale_note))
        out.append(Target("4", f"jurisdiction_counts_p95_ms_{db}",
                          f"jurisdiction dashboard counts p95, worst persona ({db})",
                          volume.get("dashboard_p95_ms"), 200, "<=", load, scale_note))
    memory = parts.get("memory:sqlite") or {}
    requests = memory.get("requests")
    note = "" if requests == 20_000 else f"{requests} requests at this scale (20,000 in `make bench`)"
    out.append(Target("5", "worker_rss_max_mb", "largest gunicorn worker RSS, MB", memory.get("max_rss_mb"), 200, "<=",
                      _load(parts, "memory:sqlite"), note))
    out.append(Target("5", "worker_rss_growth_mb", "RSS growth over the last half of the requests, MB",
                      memory.get("growth_last_half_mb"), 5, "<=", _load(parts, "memory:sqlite"), note))
    timers = parts.get("timers:sqlite") or {}
    out.append(Target("6", "timer_latency_max_s", "latest firing of a due timer under load, s",
                      _get(timers, "latency", "max_s"), 5, "<=", _load(parts, "timers:sqlite")))
    for db in ("sqlite", "postgres"):
        drain = _get(parts, f"timers:{db}", "backlog", "drain_per_s")
        rate = _get(parts, f"service:{db}", "cold", "steps_per_s")
        workers = _get(parts, f"timers:{db}", "backlog", "workers")
        out.append(Target("6", f"timer_drain_vs_service_{db}",
                          f"backlog drain rate ÷ service-layer step rate ({db}, {workers} worker(s))",
                          ratio(drain, rate), 0.5, ">=", _load(parts, f"timers:{db}"),
                          f"{drain} timers/s vs {rate} steps/s; backlog {_get(parts, f'timers:{db}', 'backlog', 'due')}"
                          if drain else "not run"))
    out.append(Target("6", "timer_exactly_once_postgres", "two workers on PostgreSQL fire each timer exactly once",
                      _get(parts, "timers:postgres", "backlog", "exactly_once"), None, "==",
                      _load(parts, "timers:postgres")))
    return out


def table(rows: list[Target]) -> str:
    lines = [f"{'#':<2} {'figure':<30} {'value':>10} {'limit':>8} {'met':<5} {'margin':>7}  {'load':<16} note",
             "-" * 110]
    for t in rows:
        met = {True: "yes", False: "NO", None: "-"}[t.met]
        value = "-" if t.value is None else t.value
        limit = "" if t.limit is None else f"{t.sense}{t.limit}"
        load = "/".join(f"{x:.1f}" for x in t.load) if t.load else ""
        lines.append(f"{t.number:<2} {t.figure:<30} {value!s:>10} {limit:>8} {met:<5} {t.margin:>7}  {load:<16} {t.note}")
    return "\n".join(lines)


def markdown(rows: list[Target]) -> str:
    lines = ["| # | figure | what | value | limit | met | margin | load avg (1/5/15 min) | note |",
             "|---|---|---|---:|---:|---|---:|---|---|"]
    for t in rows:
        met = {True: "yes", False: "**no**", None: "–"}[t.met]
        load = " / ".join(f"{x:.2f}" for x in t.load) if t.load else ""
        limit = "" if t.limit is None else f"{t.sense} {t.limit}"
        lines.append(f"| {t.number} | `{t.figure}` | {t.what} | {'–' if t.value is None else t.value} | {limit} "
                     f"| {met} | {t.margin} | {load} | {t.note} |")
    return "\n".join(lines)


def profile_markdown(parts: dict) -> str:
    """Phases of a cold service-layer step, SQLite and PostgreSQL side by side."""
    profiles = {db: parts.get(f"stepprofile:{db}") for db in ("sqlite", "postgres")}
    profiles = {db: p for db, p in profiles.items() if p and "phases_ms_per_step" in p}
    if not profiles:
        return ""
    phases = list(next(iter(profiles.values()))["phases_ms_per_step"])
    head = " | ".join(f"{db} ms | {db} share" for db in profiles)
    lines = [f"| phase (exclusive time per step) | {head} |", "|---|" + "---:|---:|" * len(profiles)]
    for phase in phases:
        cells = []
        for p in profiles.values():
            ms = p["phases_ms_per_step"].get(phase, 0)
            cells += [str(ms), f"{ms / p['step_ms']:.0%}"]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    lines.append("| **step (wall, instrumented)** | " + " | ".join(f"**{p['step_ms']}** | " for p in profiles.values())
                 + " |")
    lines.append("| SQL statements per step | " + " | ".join(f"{p['statements_per_step']} | "
                                                           for p in profiles.values()) + " |")
    for db, p in profiles.items():
        load = p.get("load_average", {}).get("before")
        lines += ["", f"Statements per step on {db} (count, ms), load {load}:", "",
                  "| statement | per step | ms per step |", "|---|---:|---:|"]
        lines += [f"| `{k}` | {n} | {ms} |" for k, n, ms in p["statements"][:14]]
        lines += ["", f"Own CPU time by library under cProfile ({db}):", "", "| library | share |", "|---|---:|"]
        lines += [f"| {k} | {v['share']:.0%} |" for k, v in p["cprofile_by_library"].items()]
    return "\n".join(lines)


# -- plots --------------------------------------------------------------------------
def plots(parts: dict, directory: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    history = parts.get("history:sqlite")
    if history and history.get("points"):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for label, points, color in (("GovFlow service layer (SQLite, cold cache, compaction)", history["points"], "C0"),
                                     ("bare SpiffWorkflow, JSON round trip, no compaction",
                                      (history.get("bare_library") or {}).get("points") or [], "C3")):
            if not points:
                continue
            by_round: dict[int, list[float]] = {}
            for round_no, _element, seconds in points:
                by_round.setdefault(round_no, []).append(seconds * 1000)
            xs = sorted(by_round)
            ax.plot(xs, [statistics.fmean(by_round[x]) for x in xs], ".", ms=2, alpha=0.35, color=color)
            window = max(1, len(xs) // 50)
            smooth = [statistics.median([v for r in xs[max(0, i - window):i + window + 1] for v in by_round[r]])
                      for i in range(len(xs))]
            ax.plot(xs, smooth, "-", color=color, label=label)
        stalled = (history.get("bare_library") or {}).get("stalled")
        if stalled:
            ax.axvline(stalled["round"], color="C3", ls=":", lw=1)
            ax.annotate("library stalls", (stalled["round"], ax.get_ylim()[1] * 0.9), color="C3", fontsize=8)
        ax.set_yscale("log")
        ax.set_xlabel("rework round (2 user steps each)")
        ax.set_ylabel("ms per step (mean per round, line: rolling median)")
        ax.set_title(f"Step cost against history length — {history.get('scenario')}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(directory / "history_step_cost.png", dpi=110)
        plt.close(fig)
        made.append("history_step_cost.png")
    volumes = [(db, parts.get(f"volume:{db}")) for db in ("sqlite", "postgres") if parts.get(f"volume:{db}")]
    if volumes:
        fig, axes = plt.subplots(1, 3, figsize=(12, 4))
        for ax, keys, title, limit in zip(axes, (("worklist_p95_ms",), ("search_p95_ms",),
                                                 ("admin_dashboard_p95_ms", "dashboard_p95_ms")),
                                          ("worklist", "instance search", "dashboards"), (30, 100, 200)):
            for db, volume in volumes:
                levels = volume.get("levels") or []
                for key, style in zip(keys, ("o-", "s--")):
                    points = [(lv["rows"], lv.get(key)) for lv in levels if lv.get(key) is not None]
                    label = db if len(keys) == 1 else f"{db}, {'admin' if key.startswith('admin') else 'jurisdiction'}"
                    ax.plot([x for x, _ in points], [y for _, y in points], style, label=label)
            ax.axhline(limit, color="grey", ls="--", lw=1, label=f"target {limit} ms")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("human-task rows (instances = rows / 10)")
            ax.set_ylabel("p95 ms, worst persona")
            ax.set_title(title)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle("Query p95 against data volume (open work constant: 1,000 tasks)")
        fig.tight_layout()
        fig.savefig(directory / "volume_p95.png", dpi=110)
        plt.close(fig)
        made.append("volume_p95.png")
    memory = parts.get("memory:sqlite")
    if memory and memory.get("samples"):
        fig, ax = plt.subplots(figsize=(8, 3.5))
        samples = memory["samples"]
        for i in range(1, len(samples[0])):
            ax.plot([s[0] for s in samples], [s[i] for s in samples], label=f"worker {i}")
        ax.axhline(200, color="grey", ls="--", lw=1, label="target 200 MB")
        ax.set_xlabel("requests")
        ax.set_ylabel("RSS MB")
        ax.set_title("gunicorn worker memory over mixed requests (SQLite)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(directory / "memory_rss.png", dpi=110)
        plt.close(fig)
        made.append("memory_rss.png")
    return made
