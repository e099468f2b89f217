"""Validation messages in the page's language.

Form schemas written for this platform word their own messages in Chinese;
marshmallow's built-in ones are English, so the known ones are translated
here by pattern. Error codes of the platform's own services (``too_short``…)
are translated the same way.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _


def _patterns():
    return [
        (r"Missing data for required field\.|Field may not be null\.|This field is required\.",
         lambda m: _("This field is required.")),
        (r"Longer than maximum length (\d+)\.", lambda m: _("At most %(n)s characters.", n=m[1])),
        (r"Shorter than minimum length (\d+)\.", lambda m: _("At least %(n)s characters.", n=m[1])),
        (r"Length must be between (\d+) and (\d+)\.",
         lambda m: _("Between %(a)s and %(b)s characters or items.", a=m[1], b=m[2])),
        (r"Must be greater than or equal to ([\d.\-]+)\.", lambda m: _("At least %(n)s.", n=m[1])),
        (r"Must be less than or equal to ([\d.\-]+)\.", lambda m: _("At most %(n)s.", n=m[1])),
        (r"Must be greater than or equal to ([\d.\-]+) and less than or equal to ([\d.\-]+)\.",
         lambda m: _("Between %(a)s and %(b)s.", a=m[1], b=m[2])),
        (r"Must be one of: .*", lambda m: _("Choose one of the options.")),
        (r"Not a valid integer\.|Not a valid number\.", lambda m: _("Enter a number.")),
        (r"Not a valid date\.", lambda m: _("Enter a date.")),
        (r"Not a valid boolean\.", lambda m: _("Choose yes or no.")),
        (r"Not a valid (string|list)\.|Invalid input type\.", lambda m: _("This value is not valid.")),
        (r"not_receivable", lambda m: _("This person cannot receive the task.")),
        (r"not_returnable", lambda m: _("Choose an earlier step.")),
        (r"wrong_password", lambda m: _("The current password is wrong.")),
        (r"same_password", lambda m: _("Choose a password different from the current one.")),
        (r"too_short", lambda m: _("At least %(n)s characters.", n=8)),
        (r"too_large", lambda m: _("The file is too large.")),
        (r"empty", lambda m: _("The file is empty.")),
        (r"the task is claimed by someone else.*", lambda m: _("Someone else has claimed this task.")),
        (r"the task is (completed|cancelled) already", lambda m: _("This task is no longer open.")),
        (r"the task is delegated.*", lambda m: _("The task is delegated: the delegate resolves it back first.")),
        (r"the task is not delegated to you", lambda m: _("The task is not delegated to you.")),
        (r"only the assignee can give the task back", lambda m: _("Only the assignee can give the task back.")),
        (r"you urged this case a moment ago", lambda m: _("You urged this case a moment ago.")),
        (r"nothing in this case is waiting for someone else",
         lambda m: _("Nothing in this case is waiting for someone else.")),
        (r"someone else changed this record first.*|the record is busy.*",
         lambda m: _("Someone else changed this case at the same time; please try again.")),
        (r"process instance \d+ is (suspended|completed|terminated)",
         lambda m: _("The case is not running.")),
        (r"this field is hidden and takes no value", lambda m: _("This field is hidden and takes no value.")),
        (r"does not match the pattern .*", lambda m: _("The value does not have the required format.")),
        (r"Not a valid datetime\.", lambda m: _("Enter a date and time.")),
        (r"Not a valid email address\.", lambda m: _("Enter an e-mail address.")),
        (r"a co-signer holds the task.*", lambda m: _("A co-signer holds the task: they sign it first.")),
        (r"the task does not wait for your signature", lambda m: _("The task does not wait for your signature.")),
        (r"already_asked", lambda m: _("This person is asked to sign already.")),
        (r"too_many", lambda m: _("Too many co-signers.")),
        (r"only the person who completed the step can withdraw it",
         lambda m: _("Only the person who completed the step can withdraw it.")),
        (r"the case has moved on since.*", lambda m: _("The case has moved on since: someone acted on it.")),
        (r"the next step has been claimed", lambda m: _("The next step has been claimed already.")),
        (r"this step cannot be withdrawn on its own", lambda m: _("This step cannot be withdrawn on its own.")),
        (r"the task's form needs more than a yes or no.*",
         lambda m: _("Not a simple approval: open the task and fill in its form.")),
        (r"task \d+ does not exist", lambda m: _("No such task in your jurisdiction.")),
        (r"bad_type", lambda m: _("Only photos (JPEG, PNG, GIF, WebP) and PDF files are accepted.")),
        (r"must be one of the options in '.*'", lambda m: _("Choose one of the options.")),
        (r"\S+ runs in a unit of kind .*, not (\w+)",
         lambda m: _("This process does not run in a unit of this kind.")),
    ]


def translate_message(message: str) -> str:
    for pattern, word in _patterns():
        match = re.fullmatch(pattern, message.strip())
        if match:
            return word(match)
    return message


def field_errors(errors: dict) -> dict:
    """``{field: [message, …]}`` with nested marshmallow errors flattened, except those
    of an object (a form group with a path: named keys), which stay ``{field: {key: …}}``
    so that the page marks the group's own inputs."""
    out: dict = {}
    for name, value in (errors or {}).items():
        if isinstance(value, dict) and value and all(isinstance(k, str) and not k.isdigit() for k in value):
            out[str(name)] = field_errors(value)
        else:
            out[str(name)] = [translate_message(m) for m in _flatten(value)]
    return out


def _flatten(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]
