import pytest

from opendb import settings as settings_module
from opendb.errors import ConfigurationError


def test_defaults_for_region():
    settings = settings_module.load({"FC_REGION": "cn-hangzhou"})
    assert settings.rds_endpoint == "https://rds.aliyuncs.com"
    assert settings.oss_endpoint is None
    assert settings.default_check_db_mode == "AsyncExecuteDBCheck"
    assert settings.signature_version == "acs3"
    assert settings.readiness_check is True


def test_context_region_wins_over_variable():
    settings = settings_module.load({"FC_REGION": "cn-hangzhou"}, region="eu-central-1")
    assert settings.region == "eu-central-1"
    assert settings.rds_endpoint == "https://rds.eu-central-1.aliyuncs.com"


def test_oss_default_is_internal_virtual_hosted():
    settings = settings_module.load({"FC_REGION": "cn-shanghai"})
    assert settings.oss_base_url("backups", None) == ("https://backups.oss-cn-shanghai-internal.aliyuncs.com", False)
    assert settings.oss_base_url("backups", "cn-beijing") == ("https://backups.oss-cn-beijing.aliyuncs.com", False)


def test_oss_override_is_path_style():
    settings = settings_module.load({"FC_REGION": "cn-shanghai", "OPENDB_OSS_ENDPOINT": "http://127.0.0.1:9000/"})
    assert settings.oss_base_url("backups", None) == ("http://127.0.0.1:9000", True)


@pytest.mark.parametrize(
    "url",
    ["http://rds.aliyuncs.com", "http://10.0.0.5:80", "ftp://127.0.0.1", "https://", "https://h/?a=1", "https://u:p@h"],
)
def test_endpoint_override_rejected(url):
    with pytest.raises(ConfigurationError) as caught:
        settings_module.load({"FC_REGION": "cn-hangzhou", "OPENDB_RDS_ENDPOINT": url})
    assert "OPENDB_RDS_ENDPOINT" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://rds.example.com"])
def test_endpoint_override_accepted(url):
    settings = settings_module.load({"FC_REGION": "cn-hangzhou", "OPENDB_RDS_ENDPOINT": url})
    assert settings.rds_endpoint == url


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENDB_DEFAULT_CHECK_DB_MODE", "Fast"),
        ("OPENDB_SIGNATURE_VERSION", "v2"),
        ("OPENDB_HTTP_TIMEOUT", "soon"),
        ("OPENDB_HTTP_TIMEOUT", "-1"),
        ("OPENDB_READINESS_CHECK", "maybe"),
        ("OPENDB_LOG_LEVEL", "loud"),
    ],
)
def test_invalid_variable_named(name, value):
    with pytest.raises(ConfigurationError) as caught:
        settings_module.load({"FC_REGION": "cn-hangzhou", name: value})
    assert name in str(caught.value)


def test_missing_region_rejected():
    with pytest.raises(ConfigurationError) as caught:
        settings_module.load({})
    assert "FC_REGION" in str(caught.value)


def test_every_variable_read_is_declared():
    declared = {variable.name for variable in settings_module.VARIABLES}
    with open(settings_module.__file__, encoding="utf-8") as source:
        text = source.read()
    import re

    read = set(re.findall(r'_(?:read|boolean|seconds|choice)\(env, "([A-Z_]+)"', text))
    assert read <= declared
    assert "OPENDB_KEY_PATTERN" in read
