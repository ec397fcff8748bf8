"""Imports every context's models so the metadata Alembic compares against is complete."""

from commerce.auth import models as _auth  # noqa: F401
from commerce.catalog import models as _catalog  # noqa: F401
from commerce.content import models as _content  # noqa: F401
from commerce.core import outbox as _outbox  # noqa: F401
from commerce.core.db import Base
from commerce.interactions import models as _interactions  # noqa: F401
from commerce.social import models as _social  # noqa: F401
from commerce.users import models as _users  # noqa: F401

metadata = Base.metadata
