"""Two machines' worth of GovFlow on one host: nginx (from docs/DEPLOYMENT.md's
configuration), gunicorn nodes and background workers on one PostgreSQL database.

nginx comes from the Debian package: installed with apt-get when the tests run as
root (CI) — with services kept from starting (policy-rc.d), so nothing listens
beyond what the test starts on 127.0.0.1 — else the test skips.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from govflow.testing.live import ROOT, free_port, stop

DEPLOYMENT = ROOT / "docs" / "DEPLOYMENT.md"
POLICY = Path("/usr/sbin/policy-rc.d")


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    created = not POLICY.exists()
    if created:  # the package would start a system nginx on port 80
        POLICY.write_text("#!/bin/sh\nexit 101\n")
        POLICY.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], env=env, timeout=900).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=900)
            subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], env=env, timeout=900)
    finally:
        if created:
            POLICY.unlink()
    return shutil.which("nginx")


def nginx_conf(upstreams: list[int], port: int, scratch: Path) -> str:
    """DEPLOYMENT.md's nginx block, with the test's upstreams and plain http on
    127.0.0.1:``port`` instead of TLS on 443 (the rest is used as written)."""
    block = re.search(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.S).group(1)
    block = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", block, flags=re.S)
    block = re.sub(r"\n\s*server 10\.0\.0\.\d+:8000;[^\n]*", "", block)
    servers = "".join(f"\n    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstreams)
    block = block.replace("upstream govflow {", "upstream govflow {" + servers, 1)
    block = block.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    block = re.sub(r"\n\s*(ssl_\w+|add_header Strict-Transport-Security)[^\n]*", "", block)
    block = block.replace("/srv/govflow/app/", f"{ROOT}/").replace("allow 10.0.0.0/8;", "allow 127.0.0.1;")
    temp = {name: scratch / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    return f"""worker_processes 1;
pid {scratch}/nginx.pid;
error_log {scratch}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {scratch}/access.log;
    client_body_temp_path {temp['body']}; proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']}; uwsgi_temp_path {temp['uwsgi']}; scgi_temp_path {temp['scgi']};
{block}
}}
"""


@contextmanager
def nginx(binary: str, upstreams: list[int], scratch: Path):
    """Yields nginx's port; stopped by its pid."""
    port = free_port()
    conf = scratch / "nginx.conf"
    conf.write_text(nginx_conf(upstreams, port, scratch))
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(scratch), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=open(scratch / "nginx.out", "w"))
    try:
        yield port
    finally:
        stop(process)


@contextmanager
def worker(env: dict, log_path: Path):
    """One `flask --app wsgi worker` (the systemd unit's command); yields its Popen."""
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)
