# exactjson: JSON values compared by their exact decimal values, for tests
# (PYTHONPATH=tests/integration).  A double's value is its shortest text
# (repr), which is what the tools write and jsonb keeps.
from decimal import Decimal


def exact(v):
    """v with every float as the Decimal of its shortest text, at any depth."""
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, dict):
        return {k: exact(x) for k, x in v.items()}
    if isinstance(v, list):
        return [exact(x) for x in v]
    return v
