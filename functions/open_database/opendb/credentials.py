"""Credentials for signing: the STS credentials FC gives, or keys from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ConfigurationError

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair, with the STS security token when the pair is temporary.

    ``security_token`` is None for long-term keys, and then no token parameter
    or header is sent. The repr never shows the secret or the token.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id:
            raise ConfigurationError("credentials have an empty AccessKey ID")
        if not self.access_key_secret:
            raise ConfigurationError(
                f"credentials for AccessKey ID {self.access_key_id} have an empty AccessKey secret"
            )


def _token_or_none(token: object) -> str | None:
    # FC and shells give an absent token as None, "" or the string "None".
    if token is None:
        return None
    text = str(token).strip()
    if not text or text == "None":
        return None
    return text


def from_context(context: Any) -> Credentials | None:
    """Read ``context.credentials`` (FC python3.9 and python3.10), or None when absent."""
    raw = getattr(context, "credentials", None)
    if raw is None:
        return None
    access_key_id = getattr(raw, "access_key_id", None) or getattr(raw, "accessKeyId", None)
    access_key_secret = getattr(raw, "access_key_secret", None) or getattr(raw, "accessKeySecret", None)
    if not access_key_id and not access_key_secret:
        return None
    token = getattr(raw, "security_token", None) or getattr(raw, "securityToken", None)
    return Credentials(str(access_key_id or ""), str(access_key_secret or ""), _token_or_none(token))


def from_environment(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """Read the standard ``ALIBABA_CLOUD_*`` variables, or None when the key ID is unset."""
    env = os.environ if environ is None else environ
    access_key_id = env.get(ENV_ACCESS_KEY_ID, "").strip()
    if not access_key_id:
        return None
    return Credentials(
        access_key_id,
        env.get(ENV_ACCESS_KEY_SECRET, "").strip(),
        _token_or_none(env.get(ENV_SECURITY_TOKEN)),
    )


def resolve(context: Any = None, environ: Mapping[str, str] | None = None) -> Credentials:
    """Return the context's credentials, else the environment's, else raise ConfigurationError.

    The python3.12 runtime gives no ``context.credentials`` and puts the role's
    STS credentials in the environment instead.
    """
    credentials = from_context(context) if context is not None else None
    if credentials is None:
        credentials = from_environment(environ)
    if credentials is None:
        raise ConfigurationError(
            "no credentials: the function has no role, and "
            f"{ENV_ACCESS_KEY_ID} is not set; attach a role to the function or set the variables"
        )
    return credentials
