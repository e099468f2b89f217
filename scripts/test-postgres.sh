#!/usr/bin/env bash
# Install (as root, via apt) and start a local PostgreSQL for the test suite;
# prints the URL to use as TEST_PG_URL. Listens on 127.0.0.1 only.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL missing and not root" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then pg_createcluster "$version" main >&2; fi
conf=/etc/postgresql/$version/main/postgresql.conf
sed -i "/^listen_addresses/d" "$conf"
echo "listen_addresses = '127.0.0.1'" >> "$conf"
pg_ctlcluster "$version" main start >&2 || true
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='govflow'\" | grep -q 1 || psql -qc \"CREATE ROLE govflow LOGIN SUPERUSER PASSWORD 'govflow'\"" >&2
su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='govflow_test'\" | grep -q 1 || createdb -O govflow govflow_test" >&2
echo "postgresql://govflow:govflow@127.0.0.1:5432/govflow_test"
