"""Notifications: in the platform to staff, to group robots, by SMS to residents.

- ``service``: in-platform notifications (rows of
  :class:`govflow.records.models.Notification`): new task, transferred, urged,
  overdue, copied — and who is told about a task.
- ``robots``: events of an org unit for the WeCom/DingTalk group robots of that unit
  and its ancestors (三级群), queued in the outbox; ``delivery`` posts and signs them;
  ``robot_admin`` and ``views`` administer them.
- ``sms``: the SMS sender interface and its development (log) implementation.

Everything is written in the same transaction as the change it reports, so a
rolled-back action leaves no notification behind; the outbox worker sends after commit.
"""
