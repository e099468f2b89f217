"""``python -m benchmarks [--quick]``: every part, one after the other, then the report.

Each part runs in its own process and, when the machine is shared, after waiting a
bounded time for the load average to drop (it is recorded next to every figure).
`make bench` writes benchmarks/results.json, benchmarks/plots/*.png and the results
table of docs/PERFORMANCE.md; `make bench-quick` writes only under benchmarks/out/.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

from . import report
from .harness import (
    OUT,
    PLOTS,
    RESULTS,
    ROOT,
    machine,
    pg_server_version,
    postgres_available,
    scale_named,
    wait_for_quiet,
)

PARTS = [("bare", "sqlite"), ("service", "sqlite"), ("service", "postgres"), ("http_api", "sqlite"),
         ("http_api", "postgres"), ("history", "sqlite"), ("volume", "sqlite"), ("volume", "postgres"),
         ("memory", "sqlite"), ("timers", "sqlite"), ("timers", "postgres"), ("stepprofile", "sqlite"),
         ("stepprofile", "postgres"), ("trivial", "sqlite"), ("trivial", "postgres")]
PART_LIMIT_S = {"quick": 600, "full": 5400}
DOC = ROOT / "docs" / "PERFORMANCE.md"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small scale, under 3 minutes")
    parser.add_argument("--only", help="comma-separated parts, e.g. service,history (default: all)")
    parser.add_argument("--quiet-wait", type=float, default=None,
                        help="seconds to wait per part for a load average below 1.5 (default 30; quick 0)")
    args = parser.parse_args()
    scale = scale_named("quick" if args.quick else "full")
    quiet_wait = args.quiet_wait if args.quiet_wait is not None else (0 if args.quick else 30)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.time()
    have_pg = postgres_available()
    print(f"GovFlow benchmarks, {scale.name} scale; PostgreSQL {'available' if have_pg else 'NOT available'}",
          flush=True)
    scenario = _run(["benchmarks.scenario"], OUT / "part_scenario.json", "scenario", PART_LIMIT_S[scale.name])
    print(f"scenario: {scenario.get('scenario')}"
          + (f" — FALLBACK: {scenario.get('fallback_reason')}" if scenario.get("fallback_reason") else ""), flush=True)
    wanted = set(args.only.split(",")) if args.only else None
    parts: dict[str, dict] = {}
    for name, db in PARTS:
        if wanted and name not in wanted:
            continue
        key = f"{name}:{db}"
        if db == "postgres" and not have_pg:
            parts[key] = {"skipped": "PostgreSQL not available (set BENCH_PG_URL, or run make local-postgres)"}
            continue
        quiet = wait_for_quiet(quiet_wait)
        print(f"  {key:<22} load {quiet['load_before'][0]:.2f} …", end=" ", flush=True)
        began = time.time()
        parts[key] = _run([f"benchmarks.{name}", "--scale", scale.name, "--db", db], OUT / f"part_{name}_{db}.json",
                          f"{name}_{db}", PART_LIMIT_S[scale.name])
        parts[key]["waited_for_quiet_s"] = quiet["waited_s"]
        print(f"{time.time() - began:.0f} s" + (f"  ERROR {parts[key]['error'][:200]}" if "error" in parts[key] else ""),
              flush=True)
    rows = report.targets(parts, scale.name)
    full = scale.name == "full" and not wanted
    plot_dir = PLOTS if full else OUT / "plots"
    made = report.plots(parts, plot_dir)
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "scale": scale.name,
        "elapsed_s": round(time.time() - started, 1), "machine": {**machine(), "postgresql": pg_server_version()},
        "scenario": scenario, "figures": {t.figure: t.value for t in rows}, "targets": [t.row() for t in rows],
        "plots": [str((plot_dir / m).relative_to(ROOT)) for m in made], "parts": parts,
    }
    destination = RESULTS if full else OUT / f"results-{scale.name}.json"
    destination.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    print()
    print(report.table(rows))
    print(f"\nscenario: {scenario.get('scenario')}; {result['elapsed_s']:.0f} s; written: "
          f"{destination.relative_to(ROOT)}, plots in {plot_dir.relative_to(ROOT)}/")
    if full:
        _update_doc(rows, result)
    return 0


def _run(module_args: list[str], out, log_name: str, limit_s: float) -> dict:
    """Run one part; its result, or {"error": …} with the end of its log."""
    log = OUT / f"{log_name}.log"
    command = [sys.executable, "-m", *module_args, "--out", str(out)]
    out.unlink(missing_ok=True)
    with open(log, "w") as handle:
        try:
            code = subprocess.run(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=limit_s).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    if code == 0 and out.exists():
        return json.loads(out.read_text())
    tail = log.read_text(errors="replace")[-1500:]
    return {"error": f"exit {code}: {tail}"}


def _update_doc(rows, result) -> None:
    """Replace the generated block of docs/PERFORMANCE.md (between its markers)."""
    if not DOC.exists():
        return
    text = DOC.read_text()
    m = result["machine"]
    block = (f"<!-- results:start -->\nRun {result['generated_at']} ({result['elapsed_s'] / 60:.0f} min), "
             f"scenario **{result['scenario'].get('scenario')}**, commit {m['commit']}; {m['cpu']}, {m['cores']} cores, "
             f"{m['memory_gb']} GB, Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, "
             f"SpiffWorkflow {m['spiffworkflow']}.\n\n{report.markdown(rows)}\n<!-- results:end -->")
    text = re.sub(r"<!-- results:start -->.*?<!-- results:end -->", lambda _m: block, text, flags=re.S)
    profile = f"<!-- profile:start -->\n{report.profile_markdown(result['parts'])}\n<!-- profile:end -->"
    text = re.sub(r"<!-- profile:start -->.*?<!-- profile:end -->", lambda _m: profile, text, flags=re.S)
    DOC.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
