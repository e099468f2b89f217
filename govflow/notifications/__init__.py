"""In-platform notifications to staff: new task, transferred, urged, overdue, copied.

The rows are :class:`govflow.records.models.Notification`; this package decides
who hears about what. They are written in the same transaction as the change
they report, so a rolled-back action leaves no notification behind.
"""
