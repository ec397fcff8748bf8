"""Events the sellers context publishes through the outbox. Consumers (notifications, the
warehouse's onboarding KPI) act on the payload without calling back; nothing here is sensitive —
identity numbers and bank details never enter an event."""

from __future__ import annotations

from typing import Any

from commerce.sellers.models import Seller

SELLER_APPLIED = "seller.applied"    # admins: a new application in the queue
SELLER_APPROVED = "seller.approved"  # notifications: welcome; sellers: stats row
SELLER_REJECTED = "seller.rejected"  # notifications: tell the applicant why


def _base(seller: Seller) -> dict[str, Any]:
    return {"seller_id": str(seller.user_id), "shop_name": seller.shop_name, "handle": seller.handle,
            "business_type": seller.business_type}


def seller_applied(seller: Seller, *, reapplication: bool) -> dict[str, Any]:
    return {**_base(seller), "province": seller.province, "applied_at": seller.applied_at.isoformat(),
            "reapplication": reapplication}


def seller_approved(seller: Seller) -> dict[str, Any]:
    assert seller.reviewed_at is not None
    return {**_base(seller), "applied_at": seller.applied_at.isoformat(),
            "approved_at": seller.reviewed_at.isoformat(),
            "reviewed_by": str(seller.reviewed_by) if seller.reviewed_by else None}


def seller_rejected(seller: Seller) -> dict[str, Any]:
    assert seller.reviewed_at is not None
    return {**_base(seller), "reason": seller.rejection_reason, "applied_at": seller.applied_at.isoformat(),
            "rejected_at": seller.reviewed_at.isoformat(),
            "reviewed_by": str(seller.reviewed_by) if seller.reviewed_by else None}
