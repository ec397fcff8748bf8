"""Imports every context's models so the metadata Alembic compares against is complete."""

from commerce.addresses import models as _addresses  # noqa: F401
from commerce.auth import models as _auth  # noqa: F401
from commerce.cart import models as _cart  # noqa: F401
from commerce.catalog import models as _catalog  # noqa: F401
from commerce.content import models as _content  # noqa: F401
from commerce.core import outbox as _outbox  # noqa: F401
from commerce.core.db import Base
from commerce.interactions import models as _interactions  # noqa: F401
from commerce.inventory import models as _inventory  # noqa: F401
from commerce.ledger import models as _ledger  # noqa: F401
from commerce.notifications import models as _notifications  # noqa: F401
from commerce.orders import models as _orders  # noqa: F401
from commerce.payments import models as _payments  # noqa: F401
from commerce.payouts import models as _payouts  # noqa: F401
from commerce.reviews import models as _reviews  # noqa: F401
from commerce.sellers import models as _sellers  # noqa: F401
from commerce.shipping import models as _shipping  # noqa: F401
from commerce.social import models as _social  # noqa: F401
from commerce.users import models as _users  # noqa: F401

metadata = Base.metadata
