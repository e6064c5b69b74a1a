"""One measured fix to Rasa 3.6's hot path, applied when the Rasa server imports the project's
components.

Rasa checks every action server reply against its JSON schema with `jsonschema.validate`, which
first validates the schema itself against the JSON Schema meta-schema, on every call. Profiling the
server under `make bench` (py-spy, one family asking questions) put 26% of its CPU time there.
This keeps Rasa's check and its error message, with the schema checked once and its validator
reused. The replaced method is `RemoteAction._validate_action_result` (rasa/core/actions/action.py,
Rasa 3.6.21); if Rasa changes it, nothing is patched and Rasa's own check runs.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)
PATCHED_RASA_VERSION = "3.6.21"


@lru_cache(maxsize=1)
def _validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> bool:
    """Patch RemoteAction once; returns whether the patch is in place."""
    try:
        import rasa
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # the action server's environment has no Rasa: nothing to do
        return False
    if RemoteAction._validate_action_result is _validate_action_result:
        return True
    if rasa.__version__ != PATCHED_RASA_VERSION:
        logger.warning("Rasa %s is not %s: its action-reply check is left as it is", rasa.__version__,
                       PATCHED_RASA_VERSION)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    return True


apply()
