"""The administration console (issue 5): the instance ledger, its search and exports."""
