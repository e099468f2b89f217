"""Deployed process definitions and the files they came from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow


class Deployment(Model):
    __tablename__ = "deployments"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(40), default="api")
    #: What the deployer called it (Camunda's ``deployment-name``); shown back, never interpreted.
    name: Mapped[str | None] = mapped_column(String(255))
    files: Mapped[list[DeploymentFile]] = relationship(back_populates="deployment",
                                                         cascade="all, delete-orphan")


class DeploymentFile(Model):
    __tablename__ = "deployment_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))  # bpmn | dmn | form
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class _Versioned:
    """What a version of a key holds, for processes and decisions alike: versions
    belong to keys, whatever file they came from."""
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    #: SHA-256 of the source file (a process's: and of the DMN it uses): same content, same version.
    checksum: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    file_id: Mapped[int] = mapped_column(ForeignKey("deployment_files.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def deployment(cls) -> Mapped[Deployment]:
        return relationship(Deployment)

    @declared_attr
    def file(cls) -> Mapped[DeploymentFile]:
        return relationship(DeploymentFile)


class ProcessDefinition(_Versioned, Model):
    """One version of one process key. Instances keep the version they started on."""
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)
    category: Mapped[str | None] = mapped_column(String(80))
    #: The parsed process and everything it calls, as engine JSON (see engine.bundle).
    #: Deferred: ~50 KB of JSON read only when the bundle cache misses (bundle_for).
    bundle_json: Mapped[str] = mapped_column(Text, deferred=True)
    #: A suspended version starts no instances: neither by request nor by its timer start events.
    is_suspended: Mapped[bool] = mapped_column(default=False, server_default=false())


class TimerStartJob(Model):
    """A timer start event of one process version: when it next starts an instance.

    Only the latest version of a key has jobs (a new version replaces them, as in
    Camunda); a job whose schedule has no firing left is deleted.
    """
    __tablename__ = "timer_start_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    #: engine.timer_starts' schedule as JSON: firings left (-1: without end), the next one, how to step.
    schedule: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(index=True)
    #: The org unit its instances belong to (the event's camunda:property org_unit); None: the root unit.
    org_unit_code: Mapped[str | None] = mapped_column(String(64))
    #: Failed attempts at the due firing; after three the firing is skipped (Camunda's job retries).
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    definition: Mapped[ProcessDefinition] = relationship(ProcessDefinition)


class DecisionDefinition(_Versioned, Model):
    """One version of one DMN decision key.

    Business rule tasks embed the decision when their process is deployed; these
    rows say which versions exist (for the designer and the Camunda REST adapter).
    """
    __tablename__ = "decision_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)


class FormDefinition(_Versioned, Model):
    """One version of one Camunda Form (a ``.form`` file), keyed by the form's ``id``.

    User tasks and start events name a form by ``camunda:formRef`` (bound to the
    latest version, the one of their deployment, or a fixed version) or by
    ``camunda:formKey="camunda-forms:deployment:NAME.form"``.
    """
    __tablename__ = "form_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)
