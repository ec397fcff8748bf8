from commerce.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    title = "Payment not found"


class PaymentNotPayable(Conflict):
    code = "payment_not_payable"
    title = "This payment has already been paid, has failed or is being processed"


class PaymentNotPending(Conflict):
    code = "payment_not_pending"
    title = "Only a payment waiting for the buyer can be simulated"


class PaymentNotRefundable(Conflict):
    code = "payment_not_refundable"
    title = "Only a captured payment with money left on it can be refunded"


class RefundExceedsCaptured(ValidationFailed):
    code = "refund_exceeds_captured"
    title = "Refunds would exceed the captured amount"


class InvalidPaymentInput(ValidationFailed):
    code = "invalid_payment"
    title = "Invalid payment"


class ReferenceHasLiveIntent(Conflict):
    code = "payment_reference_taken"
    title = "This checkout already has a live payment"


class TestModeOnly(Forbidden):
    __test__ = False  # a domain error, whatever pytest makes of its name
    code = "test_mode_only"
    title = "Test payments are disabled in production"


class UnknownProvider(NotFound):
    code = "unknown_provider"
    title = "Unknown payment provider"


from commerce.core.webhooks import InvalidSignature  # noqa: E402, F401 - one scheme, one error


class InvalidWebhookPayload(ValidationFailed):
    code = "invalid_webhook_payload"
    title = "Webhook body is not a payment event"


class EventOutOfOrder(Conflict):
    """Answered with 409 so the provider retries: the event is not recorded and will apply later."""

    code = "event_out_of_order"
    title = "The payment this event refers to is not captured yet; retry later"


class ProviderDidNotConfirm(DomainError):
    code = "provider_did_not_confirm"
    kind = "unavailable"
    title = "The payment provider did not confirm the operation"
