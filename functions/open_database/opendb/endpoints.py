"""Default endpoints of the RDS and OSS APIs, and the rules for overriding them.

Endpoints come only from settings, never from an event or from metadata, so
no trigger payload can choose the host that receives signed requests.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigurationError

# Regions served by the central RDS endpoint, after the endpoint map that the
# official SDK alibabacloud-rds20140815 16.x ships (tests compare the two).
# Every other region has its own endpoint, rds.<region>.aliyuncs.com.
CENTRAL_RDS_REGIONS = frozenset(
    {
        "ap-southeast-1",
        "cn-beijing",
        "cn-beijing-finance-1",
        "cn-edge-1",
        "cn-fujian",
        "cn-hangzhou",
        "cn-heyuan",
        "cn-hongkong",
        "cn-qingdao",
        "cn-shanghai",
        "cn-shanghai-finance-1",
        "cn-shenzhen",
        "cn-shenzhen-finance-1",
        "cn-wuhan",
        "cn-zhangbei",
        "us-east-1",
        "us-west-1",
    }
)
SPECIAL_RDS_ENDPOINTS = {
    "cn-hangzhou-finance": "rds-vpc.cn-hangzhou-finance.aliyuncs.com",
}


def default_rds_endpoint(region: str) -> str:
    """Return the RDS API base URL for ``region`` from Alibaba's endpoint list."""
    if region in SPECIAL_RDS_ENDPOINTS:
        return "https://" + SPECIAL_RDS_ENDPOINTS[region]
    if region in CENTRAL_RDS_REGIONS:
        return "https://rds.aliyuncs.com"
    return f"https://rds.{region}.aliyuncs.com"


def default_oss_endpoint(region: str, *, internal: bool) -> str:
    """Return the OSS base URL for ``region``; buckets go in the host (virtual-hosted style).

    The internal endpoint is reachable only from inside the same region, where
    FC runs, and carries no Internet traffic charge.
    """
    suffix = "-internal" if internal else ""
    return f"https://oss-{region}{suffix}.aliyuncs.com"


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(name: str, url: str) -> str:
    """Return ``url`` without a trailing slash, or raise ConfigurationError.

    Plain http is accepted only for loopback hosts, where the local emulator
    runs: anywhere else it would send signed requests and tokens in clear text.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"{name}={url!r} is not an http(s) base URL such as https://rds.aliyuncs.com")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(f"{name}={url!r} must not carry a query, fragment or user info")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"{name}={url!r} uses plain http to a host that is not loopback; use https"
        )
    return url.rstrip("/")
