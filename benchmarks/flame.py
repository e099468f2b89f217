"""Flame graph of service-layer task completions on the trivial loop (issue #20).

``python -m benchmarks.flame --label after`` runs ``benchmarks.trivial.service`` (600
cold completions after a small warm-up) under py-spy and writes
``benchmarks/plots/flame_completion_<label>.svg``. The committed ``before`` graph was
made the same way on the commit before the fixed-cost work (d6c0764), with this file
and benchmarks/trivial.py copied into that checkout.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from .harness import PLOTS, ROOT, VENV_BIN

WORKLOAD = """
import sys
from benchmarks.harness import Database, make_app
from benchmarks import trivial
from benchmarks.server import prepare
database, _ = prepare("sqlite", "flame", trivial.scenario(), {trivial.USER})
app = make_app(database.url, migrate=False)
with app.app_context():
    trivial.service(2)
    trivial.service(30)
database.drop()
"""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flame")
    parser.add_argument("--label", required=True, help="before / after: part of the file name")
    parser.add_argument("--rate", type=int, default=400, help="samples per second")
    args = parser.parse_args()
    PLOTS.mkdir(parents=True, exist_ok=True)
    out = PLOTS / f"flame_completion_{args.label}.svg"
    command = [str(VENV_BIN / "py-spy"), "record", "--rate", str(args.rate), "--format", "flamegraph",
               "--output", str(out), "--", sys.executable, "-c", WORKLOAD]
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
