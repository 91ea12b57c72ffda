"""Programs the benchmark compares with opendb: the opendb job written with Alibaba's official SDKs.

Never deployed. ``new_sdk`` and ``legacy_sdk`` are the two references.
``bare_http`` and ``bare_httpx`` are the transport and httpx floors, which
send the same three requests unsigned. Each module has an FC entry pair, ``initializer(context)`` and
``handler(event, context)``, and reads the endpoints from the variables that
opendb reads: OPENDB_RDS_ENDPOINT and OPENDB_OSS_ENDPOINT.
"""
