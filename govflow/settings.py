"""Settings: one typed table with defaults, overridden from the environment.

Every knob the platform reads lives here so that a deployment can be reviewed in
one place and a bad value fails at start, not at the first request that needs it.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting from the environment cannot be used."""


@dataclass
class Settings:
    #: SQLAlchemy URL; the embedded default is a SQLite file under instance/.
    DATABASE_URL: str = f"sqlite:///{ROOT / 'instance' / 'govflow.sqlite3'}"
    #: Signs sessions and CSRF tokens. Empty: read from SECRET_KEY_FILE, which is
    #: generated once, so every gunicorn worker and every restart share one key.
    SECRET_KEY: str = ""
    SECRET_KEY_FILE: str = str(ROOT / "instance" / "secret_key")
    #: Where processes/*.bpmn live for `flask deploy` without arguments.
    PROCESSES_DIR: str = str(ROOT / "processes")
    #: Uploaded files (photos, attachments).
    UPLOAD_DIR: str = str(ROOT / "instance" / "uploads")
    #: Deployment files larger than this are refused before parsing.
    MAX_DEPLOYMENT_BYTES: int = 2_000_000
    #: Wall-clock limit for one script/condition evaluation, seconds.
    SCRIPT_TIME_LIMIT: float = 1.0
    #: Where scripts, conditions, DMN cells and expressions that call functions run:
    #: "process" (child processes under CPU, memory and wall-clock limits) or "inline"
    #: (in the calling worker; only for trusted diagram authors).
    SANDBOX_ISOLATION: str = "process"
    #: Total seconds the evaluations of one step (a request or worker job) may take.
    STEP_TIME_BUDGET: float = 5.0
    #: Upper bound for multi-instance cardinality evaluated at run time.
    MAX_MULTI_INSTANCE: int = 1000
    #: Seconds: the shortest timer cycle interval a diagram may state, and the least time
    #: between two firings of a cycle without end (cron, R/PT1H).
    TIMER_MIN_INTERVAL: int = 60
    #: Deadline light turns yellow after this share of the allowed time has passed.
    SLA_YELLOW_AT: float = 2 / 3
    #: Worker: seconds between polls when nothing was due.
    WORKER_POLL_SECONDS: float = 1.0
    #: Outbox: attempts before a message is parked as failed.
    OUTBOX_MAX_ATTEMPTS: int = 12
    #: SMS sender (govflow.notifications.sms.SENDERS); "log" writes messages to the log.
    SMS_BACKEND: str = "log"
    #: API page size cap.
    API_MAX_PAGE_SIZE: int = 200
    DEFAULT_LOCALE: str = "zh_CN"
    #: Staff pages: time zone in which times are shown and dates are read.
    TIMEZONE: str = "Asia/Shanghai"
    #: Staff pages: minutes without a request after which a login session ends.
    SESSION_IDLE_MINUTES: int = 30
    #: Failed logins in a row that lock an account, and for how many minutes.
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCK_MINUTES: int = 15
    #: Failed logins from one client address within the window, after which that
    #: address gets 429 (whatever the names it tries).
    LOGIN_ADDRESS_MAX_FAILURES: int = 20
    LOGIN_ADDRESS_WINDOW_MINUTES: int = 15
    #: Largest photo or attachment a staff member may upload, bytes.
    UPLOAD_MAX_BYTES: int = 10_000_000
    #: Rows per page of the staff worklists.
    WORKLIST_PAGE_SIZE: int = 20
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
    #: (0: none; the client address is the socket's, whatever the headers claim).
    TRUSTED_PROXIES: int = 0
    #: Mark session cookies Secure even on plain-http requests (set behind TLS).
    COOKIE_SECURE: bool = False
    #: Robots and webhooks may be private, loopback or link-local addresses (SSRF guard
    #: off: only for tests against a local receiver or a gateway inside the network).
    ROBOT_ALLOW_PRIVATE_URLS: bool = False
    #: werkzeug hash method; tests use a cheap one, production keeps scrypt.
    PASSWORD_HASH_METHOD: str = "scrypt"
    #: /readyz fails when no background worker has written a heartbeat for this many
    #: seconds (0: the worker is not checked, for a web-only test set-up).
    WORKER_HEARTBEAT_MAX_AGE: float = 60.0
    #: Log lines: "json" (one object per line), "plain", or "auto" — JSON under gunicorn
    #: or when stderr is not a terminal (systemd, containers), plain on a developer's terminal.
    LOG_FORMAT: str = "auto"
    #: Bearer token Prometheus sends to /metrics; empty: /metrics answers 404.
    METRICS_TOKEN: str = ""
    #: Single sign-on (OpenID Connect): the provider's issuer URL, this client's
    #: credentials, and the id_token claim that names the GovFlow user. Empty issuer: off.
    OIDC_ISSUER: str = ""
    OIDC_CLIENT_ID: str = ""
    OIDC_CLIENT_SECRET: str = ""
    OIDC_USER_CLAIM: str = "preferred_username"
    OIDC_SCOPES: str = "openid profile"
    #: Seconds of clock difference tolerated in an id_token's exp/iat.
    OIDC_CLOCK_SKEW_SECONDS: int = 60
    #: Who may sign in with a local password: "everyone", or "administrators" (staff
    #: then sign in through the provider only).
    PASSWORD_LOGIN: str = "everyone"
    #: PostgreSQL: the statements every task step runs are prepared once per connection
    #: (govflow/pg_driver.py). Off behind a pgbouncer in transaction pooling without
    #: max_prepared_statements (pgbouncer before 1.21).
    DATABASE_PREPARED_STATEMENTS: bool = True
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, overrides: dict | None = None) -> Settings:
        values: dict = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = os.environ.get(f.name) if f.name != "DATABASE_URL" else (
                os.environ.get("DATABASE_URL") or None)
            if raw is not None:
                values[f.name] = _coerce(f.name, f.type, raw)
        values.update(overrides or {})
        settings = cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})
        settings.extra = {k: v for k, v in (overrides or {}).items()
                          if k not in cls.__dataclass_fields__}
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.DATABASE_URL.startswith("postgres://"):
            self.DATABASE_URL = "postgresql+psycopg://" + self.DATABASE_URL[len("postgres://"):]
        elif self.DATABASE_URL.startswith("postgresql://"):
            self.DATABASE_URL = "postgresql+psycopg://" + self.DATABASE_URL[len("postgresql://"):]
        if not self.DATABASE_URL.startswith(("sqlite", "postgresql")):
            raise SettingsError(f"DATABASE_URL must be SQLite or PostgreSQL, got {self.DATABASE_URL!r}")
        if not self.SECRET_KEY:
            self.SECRET_KEY = shared_secret_key(Path(self.SECRET_KEY_FILE))
        if not 0 < self.SLA_YELLOW_AT < 1:
            raise SettingsError("SLA_YELLOW_AT must lie between 0 and 1")
        if self.SCRIPT_TIME_LIMIT <= 0:
            raise SettingsError("SCRIPT_TIME_LIMIT must be positive")
        if self.TIMER_MIN_INTERVAL < 1:
            raise SettingsError("TIMER_MIN_INTERVAL must be at least one second")
        if self.STEP_TIME_BUDGET < self.SCRIPT_TIME_LIMIT:
            raise SettingsError("STEP_TIME_BUDGET must be at least SCRIPT_TIME_LIMIT")
        if self.SANDBOX_ISOLATION not in ("process", "inline"):
            raise SettingsError(f"SANDBOX_ISOLATION must be process or inline (got {self.SANDBOX_ISOLATION!r})")
        if self.SMS_BACKEND not in ("log",):
            raise SettingsError(f"SMS_BACKEND must be one of: log (got {self.SMS_BACKEND!r})")
        if self.TRUSTED_PROXIES < 0:
            raise SettingsError("TRUSTED_PROXIES must be 0 or more")
        self._validate_operations()
        for name in ("SESSION_IDLE_MINUTES", "LOGIN_MAX_FAILURES", "LOGIN_LOCK_MINUTES",
                     "LOGIN_ADDRESS_MAX_FAILURES", "LOGIN_ADDRESS_WINDOW_MINUTES",
                     "UPLOAD_MAX_BYTES", "WORKLIST_PAGE_SIZE"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive")

    def _validate_operations(self) -> None:
        if self.LOG_FORMAT not in ("auto", "json", "plain"):
            raise SettingsError(f"LOG_FORMAT must be auto, json or plain (got {self.LOG_FORMAT!r})")
        if self.WORKER_HEARTBEAT_MAX_AGE < 0:
            raise SettingsError("WORKER_HEARTBEAT_MAX_AGE must be 0 (off) or positive")
        if self.PASSWORD_LOGIN not in ("everyone", "administrators"):
            raise SettingsError(f"PASSWORD_LOGIN must be everyone or administrators (got {self.PASSWORD_LOGIN!r})")
        if self.OIDC_ISSUER and not (self.OIDC_CLIENT_ID and self.OIDC_USER_CLAIM):
            raise SettingsError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_USER_CLAIM")
        if self.OIDC_ISSUER and not self.OIDC_ISSUER.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SettingsError("OIDC_ISSUER must be an https URL (plain http only on 127.0.0.1)")
        if self.PASSWORD_LOGIN == "administrators" and not self.OIDC_ISSUER:
            raise SettingsError("PASSWORD_LOGIN=administrators needs single sign-on (OIDC_ISSUER)")

    @property
    def sso_enabled(self) -> bool:
        return bool(self.OIDC_ISSUER)

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")


def shared_secret_key(path: Path) -> str:
    """The key kept in ``path``, created (owner-only) by whichever process comes first.

    Several gunicorn workers start at once: each writes its candidate to a private
    temporary file and hard-links it into place, which fails for all but one, so
    every worker ends up reading the same key."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
    finally:
        candidate.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        raise SettingsError(f"{path} is empty: delete it or set SECRET_KEY")
    return key


def _coerce(name: str, type_name, raw: str):
    kind = type_name if isinstance(type_name, str) else type_name.__name__
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes", "on")
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind}") from exc
    return raw
