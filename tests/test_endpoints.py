import re

import pytest

from opendb import endpoints


def _sdk_endpoint_map():
    from alibabacloud_rds20140815.client import Client

    client = Client.__new__(Client)
    # The SDK fills its map in __init__, which needs a full config; read the source instead.
    import inspect

    source = inspect.getsource(Client.__init__)
    return dict(re.findall(r"'([a-z0-9-]+)': '([a-z0-9.-]+)'", source))


def test_central_regions_match_official_sdk():
    sdk = _sdk_endpoint_map()
    public = {
        region for region, host in sdk.items()
        if host == "rds.aliyuncs.com" and not re.search(r"internal|test|inner|gov|nebula|-[a-z]\d\d$|-pop|oxs|yushanfang|na62", region)
    }
    assert public == endpoints.CENTRAL_RDS_REGIONS - {"cn-zhangjiakou-na62-a01"}


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("cn-hangzhou", "https://rds.aliyuncs.com"),
        ("ap-southeast-1", "https://rds.aliyuncs.com"),
        ("eu-central-1", "https://rds.eu-central-1.aliyuncs.com"),
        ("ap-northeast-1", "https://rds.ap-northeast-1.aliyuncs.com"),
        ("cn-hangzhou-finance", "https://rds-vpc.cn-hangzhou-finance.aliyuncs.com"),
    ],
)
def test_default_rds_endpoint(region, url):
    assert endpoints.default_rds_endpoint(region) == url


def test_sdk_agrees_on_regional_endpoints():
    sdk = _sdk_endpoint_map()
    for region, host in sdk.items():
        if region in endpoints.CENTRAL_RDS_REGIONS or region in endpoints.SPECIAL_RDS_ENDPOINTS:
            assert endpoints.default_rds_endpoint(region) == "https://" + host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.5.5", "localhost", "[::1]", "::1"])
def test_loopback_hosts(host):
    assert endpoints.is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.0.1", "example.com", "0.0.0.0"])
def test_non_loopback_hosts(host):
    assert not endpoints.is_loopback_host(host)
