#!/usr/bin/env bash
# Serve GovFlow: the background worker plus gunicorn, both stopped together.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
"$BIN/flask" --app wsgi worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "GovFlow on http://$HOST:$PORT  (worker pid $worker; Ctrl-C stops both)"
"$BIN/gunicorn" --workers "${WORKERS:-2}" --bind "$HOST:$PORT" --access-logfile - wsgi:app
