"""The process designer (issue 6): catalogue, web modeler, validation, drafts, deploy."""
