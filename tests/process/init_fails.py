"""A handler module whose init (its import) raises, as a missing setting would make it."""

raise RuntimeError("the configuration is missing")


def handler(event, context):  # pragma: no cover - never reached
    return None
