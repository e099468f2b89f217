"""Organisation administration: the org tree, users, role grants and spreadsheet imports."""
