"""FC entry points: ``index.initializer`` and ``index.handler``.

Kept thin on purpose; the work happens in the opendb package.
"""

from opendb import app


def initializer(context):
    """Run once per instance: read settings, configure logging, create the HTTP client."""
    app.initialize(context)


def handler(event, context):
    """Open the databases named by the event; return one record per upload or message."""
    return app.handle(event, context)
