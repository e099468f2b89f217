"""Camunda Forms (``.form`` files, the JSON of form-js and Camunda Modeler): read into
the platform's marshmallow schemas (``schema``), their ``conditional.hide`` FEEL subset
(``conditions``), which deployed version a task uses (``references``), and their text
components on staff pages (``text``)."""
