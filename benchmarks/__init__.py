"""GovFlow's performance benchmarks (`make bench`, `make bench-quick`).

Each measurement runs in a process of its own (``python -m benchmarks.<part>``), so
that caches, memory and imports of one cannot flatter another; ``python -m
benchmarks`` runs them one after the other, prints the table and writes
``benchmarks/results.json`` and the plots. docs/PERFORMANCE.md explains every figure.
"""
