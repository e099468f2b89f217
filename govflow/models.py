"""Every model module, imported so that the metadata (and migrations) see them all."""
from .admin.models import CaseFact, CaseFactDepartment, FactWatermark, SavedFilter  # noqa: F401
from .attachments.models import Upload  # noqa: F401
from .definitions.models import Deployment, DeploymentFile, ProcessDefinition, TimerStartJob  # noqa: F401
from .designer.models import ProcessDraft  # noqa: F401
from .external_tasks.models import ExternalTask  # noqa: F401
from .identity.models import ApiToken, OrgUnit, RoleGrant, User  # noqa: F401
from .instances.models import Incident, InstanceEvent, InstanceState, MessageSubscription, ProcessInstance  # noqa: F401
from .notifications.models import RobotEndpoint  # noqa: F401
from .ops.models import WorkerHeartbeat  # noqa: F401
from .organisation.models import IdentityAudit  # noqa: F401
from .outbox.models import OutboxMessage  # noqa: F401
from .records.models import LedgerEntry, Notification, NumberSequence, PublicResult  # noqa: F401
from .worklist.action_models import TaskCopy, TaskDelegation  # noqa: F401
from .worklist.models import HumanTask, TaskCandidate  # noqa: F401
