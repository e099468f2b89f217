"""Command-line interface: flask --app wsgi <command>."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app

from .database import commit, writing


def register_commands(app: Flask) -> None:
    app.cli.add_command(deploy_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users)
    app.cli.add_command(worker_command)


@click.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def deploy_command(paths):
    """Deploy .bpmn/.dmn/.form files (default: the processes/ directory) as one deployment."""
    from .definitions.service import deploy
    from .errors import ValidationFailed
    paths = paths or (Path(current_app.config["GOVFLOW"].PROCESSES_DIR),)
    files = {}
    for path in paths:
        candidates = [c for pattern in ("*.bpmn", "*.dmn", "*.form") for c in sorted(path.glob(pattern))] \
            if path.is_dir() else [path]
        files.update({c.name: c.read_bytes() for c in candidates})
    if not files:
        raise click.ClickException("no .bpmn, .dmn or .form files found")
    with writing():
        try:
            result = deploy(files, source="cli")
        except ValidationFailed as exc:
            for element, messages in exc.errors.items():
                for message in messages:
                    click.echo(f"error: {element}: {message}", err=True)
            raise click.ClickException(exc.message) from exc
        commit()
    for key in result.process_keys:
        state = "new" if key in result.created else "unchanged"
        click.echo(f"{key} v{result.versions[key]} ({state})")
    for warning in result.warnings:
        click.echo(f"warning: {warning.get('element_id') or warning.get('file')}: {warning['message']}", err=True)


@click.command("demo")
def demo_command():
    """Load the demo organisation and one user per role; print the logins."""
    from .demo import load_demo
    with writing():
        logins = load_demo()
        commit()
    click.echo("Demo logins (password for all: %s):" % logins["password"])
    for username, description in logins["users"]:
        click.echo(f"  {username:<22} {description}")


@click.group("users")
def users():
    """Manage users and API tokens."""


@users.command("create")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--grant", "grants", multiple=True, help="ROLE@ORG_UNIT, repeatable")
@click.option("--admin", is_flag=True)
@click.option("--display-name", default="")
def create_user_command(name, password, grants, admin, display_name):
    from .errors import DomainError
    from .identity.service import create_user, grant_role
    with writing():
        try:
            user = create_user(name, password, display_name, is_admin=admin)
            for spec in grants:
                grant_role(user, spec)
        except DomainError as exc:
            raise click.ClickException(f"{exc.message} {exc.errors or ''}".strip()) from exc
        commit()
    click.echo(f"created user {name}")


@users.command("token")
@click.argument("name")
@click.option("--label", default="cli")
def token_command(name, label):
    """Print a new API token for NAME (last line of the output)."""
    from .errors import DomainError
    from .identity.service import get_user, issue_token
    with writing():
        try:
            token = issue_token(get_user(name), label)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        commit()
    click.echo(token)


@click.command("worker")
@click.option("--once", is_flag=True, help="process what is due, then exit")
@click.option("--now", "now_text", default=None, help="pretend the clock reads this ISO-8601 instant")
def worker_command(once, now_text):
    """Fire due timers and deliver the outbox."""
    from .worker import run_worker
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.BadParameter(f"'{now_text}' is not ISO-8601") from exc
    stats = run_worker(once=once, now=now)
    if once:
        click.echo(f"timers fired: {stats['timers']}, messages delivered: {stats['delivered']}, "
                   f"failed attempts: {stats['failed']}")
