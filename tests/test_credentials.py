import types

import pytest

from opendb import credentials
from opendb.errors import ConfigurationError


def fc_context(key_id="STS.id", secret="secret-value", token="token-value"):
    return types.SimpleNamespace(
        credentials=types.SimpleNamespace(access_key_id=key_id, access_key_secret=secret, security_token=token)
    )


def test_context_credentials_win_over_environment():
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
    found = credentials.resolve(fc_context(), env)
    assert found.access_key_id == "STS.id"
    assert found.security_token == "token-value"


def test_environment_used_without_context_credentials():
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": " STS.env ",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
    }
    found = credentials.resolve(types.SimpleNamespace(), env)
    assert found.access_key_id == "STS.env"
    assert found.access_key_secret == "env-secret"
    assert found.security_token == "env-token"


@pytest.mark.parametrize("token", [None, "", "  ", "None"])
def test_absent_token_means_long_term_keys(token):
    assert credentials.resolve(fc_context(token=token), {}).security_token is None
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}
    if token is not None:
        env["ALIBABA_CLOUD_SECURITY_TOKEN"] = token
    assert credentials.resolve(None, env).security_token is None


def test_camel_case_context_accepted():
    context = types.SimpleNamespace(
        credentials=types.SimpleNamespace(accessKeyId="STS.c", accessKeySecret="sec", securityToken="tok")
    )
    found = credentials.resolve(context, {})
    assert (found.access_key_id, found.access_key_secret, found.security_token) == ("STS.c", "sec", "tok")


def test_missing_credentials_rejected_with_fix():
    with pytest.raises(ConfigurationError) as caught:
        credentials.resolve(types.SimpleNamespace(credentials=None), {})
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in caught.value.message
    assert "role" in caught.value.message


def test_empty_secret_rejected():
    with pytest.raises(ConfigurationError) as caught:
        credentials.resolve(None, {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx"})
    assert "LTAIx" in caught.value.message


def test_repr_hides_secret_and_token():
    found = credentials.resolve(fc_context(secret="s3cr3t-value", token="t0ken-value"), {})
    text = repr(found)
    assert "STS.id" in text
    assert "s3cr3t-value" not in text
    assert "t0ken-value" not in text
