import pytest

from opendb import metadata as meta
from opendb.errors import ConfigurationError, InvalidMetadata, NotAllowed
from opendb.notices import ObjectRef
from opendb.settings import load

ENV = {"FC_REGION": "cn-hangzhou"}
GOOD = {"DBInstanceId": "rm-bp1abc123def456", "DBName": "Sales_2024", "MigrateTaskId": "107081"}


def settings(**extra):
    return load({**ENV, **extra})


def test_build_request_defaults_check_mode():
    request = meta.build_request([("event metadata", GOOD)], settings())
    assert request.check_db_mode == "AsyncExecuteDBCheck"
    assert request.sources["CheckDBMode"] == "settings"
    assert request.api_parameters()["DBName"] == "Sales_2024"


def test_build_request_keeps_explicit_mode():
    request = meta.build_request([("event metadata", {**GOOD, "CheckDBMode": "SyncExecuteDBCheck"})], settings())
    assert request.check_db_mode == "SyncExecuteDBCheck"


def test_client_token_deterministic_and_short():
    first = meta.build_request([("event metadata", GOOD)], settings())
    second = meta.build_request([("HeadObject metadata", {**GOOD, "CheckDBMode": "SyncExecuteDBCheck"})], settings())
    other = meta.build_request([("event metadata", {**GOOD, "DBName": "Other"})], settings())
    assert first.client_token == second.client_token
    assert first.client_token != other.client_token
    assert len(first.client_token) <= 64
    assert first.client_token.isascii()


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("DBInstanceId", "i-123", "x-oss-meta-rds-instance-id"),
        ("DBInstanceId", "RM-BP1ABC123", "x-oss-meta-rds-instance-id"),
        ("MigrateTaskId", "12a", "x-oss-meta-rds-migrate-task-id"),
        ("MigrateTaskId", "-5", "x-oss-meta-rds-migrate-task-id"),
        ("DBName", "1sales", "x-oss-meta-rds-db-name"),
        ("DBName", "sales-", "x-oss-meta-rds-db-name"),
        ("DBName", "sa les", "x-oss-meta-rds-db-name"),
        ("DBName", "x" * 65, "x-oss-meta-rds-db-name"),
        ("DBName", "销售", "x-oss-meta-rds-db-name"),
        ("DBName", "tempdb", "x-oss-meta-rds-db-name"),
        ("CheckDBMode", "syncexecutedbcheck", "x-oss-meta-rds-check-db-mode"),
    ],
)
def test_invalid_value_names_key_and_value(field, value, key):
    with pytest.raises(InvalidMetadata) as caught:
        meta.build_request([("event metadata", {**GOOD, field: value})], settings())
    assert caught.value.key == key
    assert value in str(caught.value) or repr(value) in str(caught.value)


def test_incomplete_request_names_missing_key():
    partial = {"DBInstanceId": GOOD["DBInstanceId"]}
    with pytest.raises(InvalidMetadata) as caught:
        meta.build_request([("event metadata", partial)], settings())
    assert caught.value.key == "x-oss-meta-rds-db-name"
    assert "x-oss-meta-rds-migrate-task-id" in str(caught.value)


def test_conflicting_sources_rejected():
    with pytest.raises(InvalidMetadata) as caught:
        meta.build_request(
            [("event metadata", GOOD), ("key pattern", {"DBName": "Other"})],
            settings(),
        )
    message = str(caught.value)
    assert "conflicts" in message
    assert "Sales_2024" in message
    assert "Other" in message


def test_agreeing_sources_merge_per_field():
    request = meta.build_request(
        [("event metadata", {"DBName": "Sales_2024"}), ("key pattern", GOOD)],
        settings(),
    )
    assert request.sources["DBName"] == "event metadata"
    assert request.sources["DBInstanceId"] == "key pattern"


def test_normalize_metadata_strips_prefix_and_case():
    normalized = meta.normalize_metadata({"X-OSS-META-RDS-DB-NAME": " Sales ", "Rds-Instance-Id": "rm-x"})
    assert normalized == {"rds-db-name": " Sales ", "rds-instance-id": "rm-x"}
    assert meta.from_metadata(normalized) == {"DBName": "Sales", "DBInstanceId": "rm-x"}


def test_task_parameters_name_the_task():
    request = meta.build_request([("event metadata", GOOD)], settings())
    assert request.task_parameters() == {"DBInstanceId": "rm-bp1abc123def456", "MigrateTaskId": "107081"}


def test_key_pattern_matches_whole_key():
    pattern = meta.KeyPattern("open/{DBInstanceId}/{DBName}/{MigrateTaskId}")
    assert pattern.match("open/rm-bp1abc123def456/Sales/107081") == {
        "DBInstanceId": "rm-bp1abc123def456",
        "DBName": "Sales",
        "MigrateTaskId": "107081",
    }
    assert pattern.match("open/rm-bp1abc123def456/Sales/107081/extra") is None
    assert pattern.match("backups/rm-bp1abc123def456/Sales/107081") is None


def test_key_pattern_literal_characters_escaped():
    pattern = meta.KeyPattern("open.{DBName}+{MigrateTaskId}.marker")
    assert pattern.match("open.Sales+12.marker") == {"DBName": "Sales", "MigrateTaskId": "12"}
    assert pattern.match("openXSales+12.marker") is None


@pytest.mark.parametrize("template", ["open/{Unknown}", "open/{DBName}/{DBName}", "open/plain"])
def test_key_pattern_invalid_template(template):
    with pytest.raises(ConfigurationError):
        meta.KeyPattern(template)


def test_allow_lists_reject_outside_values():
    obj = ObjectRef(bucket="rds-backups", key="sales/full.bak")
    limited = settings(
        OPENDB_ALLOWED_INSTANCES="rm-other123456",
    )
    with pytest.raises(NotAllowed):
        meta.build_request([("event metadata", GOOD)], limited, obj)

    with pytest.raises(NotAllowed):
        meta.build_request([("event metadata", GOOD)], settings(OPENDB_ALLOWED_BUCKETS="other"), obj)

    with pytest.raises(NotAllowed):
        meta.build_request([("event metadata", GOOD)], settings(OPENDB_ALLOWED_PREFIXES="hr/,finance/"), obj)

    allowed = settings(
        OPENDB_ALLOWED_INSTANCES=f"rm-other123456, {GOOD['DBInstanceId']}",
        OPENDB_ALLOWED_BUCKETS="rds-backups",
        OPENDB_ALLOWED_PREFIXES="sales/",
    )
    assert meta.build_request([("event metadata", GOOD)], allowed, obj).db_name == "Sales_2024"
