"""External tasks: ``camunda:type="external"`` service tasks that workers of other
systems fetch, lock, and complete (Camunda 7's external-task pattern)."""
