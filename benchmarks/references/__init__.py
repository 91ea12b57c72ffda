"""Programs the benchmark compares with opendb: the opendb job written with Alibaba's official SDKs.

Never deployed. ``new_sdk`` and ``legacy_sdk`` are the two references, and
``bare_http`` is the transport floor that sends the same three requests
unsigned. Each module has an FC entry pair, ``initializer(context)`` and
``handler(event, context)``, and reads the endpoints from the variables that
opendb reads: OPENDB_RDS_ENDPOINT and OPENDB_OSS_ENDPOINT.
"""
