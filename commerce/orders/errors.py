from commerce.core.errors import Conflict, NotFound, ValidationFailed


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = "Order not found"


class CartEmpty(ValidationFailed):
    code = "cart_empty"
    title = "There is nothing in the cart to check out"


class CartNotPurchasable(ValidationFailed):
    code = "cart_not_purchasable"
    title = "Some items in the cart are no longer for sale"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was already used with a different request"


class IdempotencyKeyRequired(ValidationFailed):
    code = "idempotency_key_required"
    title = "Send an Idempotency-Key header (1-100 characters) with every checkout"


class InvalidOrderTransition(Conflict):
    code = "invalid_order_transition"
    title = "The order cannot make that change from its current status"


class CourierMismatch(ValidationFailed):
    code = "courier_mismatch"
    title = "Ship with the courier the buyer chose and paid for"


class RefundToOriginalUnavailable(ValidationFailed):
    code = "refund_to_original_unavailable"
    title = "A bank transfer (virtual account) cannot be refunded to its source; choose the wallet"


class InvalidRefundAmount(ValidationFailed):
    code = "invalid_refund_amount"
    title = "A refund is a positive whole number of rupiah"


class OrderNotRefundable(Conflict):
    code = "order_not_refundable"
    title = "Only a paid order that has not ended can be refunded"


class RefundExceedsOrder(Conflict):
    code = "refund_exceeds_order"
    title = "The refund is more than what is left to refund on this order"


class RefundThroughOrder(Conflict):
    """A checkout's payment is its orders' money: refunding the intent directly would leave the orders,
    their escrow and the seller's settlement believing it was still paid."""

    code = "refund_through_order"
    title = "This payment belongs to a checkout; refund its orders with POST /api/orders/{id}/refunds"
