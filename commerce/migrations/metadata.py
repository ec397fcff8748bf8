"""Imports every context's models so the metadata Alembic compares against is complete."""

from commerce.auth import models as _auth  # noqa: F401
from commerce.core import outbox as _outbox  # noqa: F401
from commerce.core.db import Base
from commerce.users import models as _users  # noqa: F401

metadata = Base.metadata
