"""Direct open requests: the API parameters as a JSON object.

A direct invocation sends one as the whole event, and an MNS message may
carry one as its body.
"""

from __future__ import annotations

from typing import Any, Mapping

from .common import API_PARAMETER_NAMES, scalar_text


def is_open_request(value: Any) -> bool:
    """Return True for a JSON object that names at least one API parameter."""
    if not isinstance(value, dict) or "events" in value:
        return False
    return any(name in value for name in API_PARAMETER_NAMES)


def parameters_from(request: Mapping[str, Any], where: str) -> dict[str, str]:
    """Return the request's parameters as strings, keeping unknown names for the validator.

    Raises FieldError when a value is not a string or number.
    """
    return {str(name): scalar_text(value, f"{where}{name}") for name, value in request.items()}
