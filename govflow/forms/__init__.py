"""Form schemas that user tasks name by ``camunda:formKey``.

Each form is a marshmallow schema registered under its key. Field metadata
carries what a page needs to render it: ``label`` and ``help`` (Chinese),
``widget`` (text, textarea, number, date, select, multiselect, checkbox, file)
and ``choices`` for enums as ``[(value, label), …]``.
"""
from __future__ import annotations

import importlib
import pkgutil

from marshmallow import Schema

_FORMS: dict[str, type[Schema]] = {}
_loaded = False


def form(key: str):
    def register(cls: type[Schema]) -> type[Schema]:
        if key in _FORMS and _FORMS[key] is not cls:
            raise ValueError(f"form '{key}' registered twice")
        _FORMS[key] = cls
        return cls
    return register


def get_form(key: str) -> type[Schema] | None:
    load_all()
    return _FORMS.get(key)


def form_keys() -> set[str]:
    load_all()
    return set(_FORMS)


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True
