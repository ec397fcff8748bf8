from commerce.core.errors import Conflict, DomainError, NotFound, ValidationFailed


class UnknownProvince(ValidationFailed):
    code = "unknown_province"
    title = "Not one of Indonesia's provinces"


class WeightOutOfRange(ValidationFailed):
    code = "weight_out_of_range"
    title = "Parcel weight must be between 1 g and 50 kg"


class ShippingOptionUnavailable(ValidationFailed):
    code = "shipping_option_unavailable"
    title = "That courier service does not ship this route"


class ShipmentNotFound(NotFound):
    code = "shipment_not_found"
    title = "Shipment not found"


class ShipmentExists(Conflict):
    code = "shipment_exists"
    title = "The order already has a shipment"


class TrackingNumberTaken(Conflict):
    code = "tracking_number_taken"
    title = "Another shipment has this tracking number"


class TrackingNumberRequired(ValidationFailed):
    code = "tracking_number_required"
    title = "Only the test courier generates tracking numbers; give the courier's number"


class NotTestCourier(ValidationFailed):
    code = "not_test_courier"
    title = "Only test-courier shipments can be advanced by hand"


class ShipmentDelivered(Conflict):
    code = "shipment_delivered"
    title = "The shipment is already delivered"


class InvalidSignature(DomainError):
    """400, not 401: the caller is a courier system, not a user who could log in. No kind in
    KIND_STATUS maps to 400, and the problem handler answers unknown kinds with 400."""

    code = "invalid_signature"
    kind = "bad_request"
    title = "Webhook signature is missing, wrong or stale"


class InvalidWebhookBody(ValidationFailed):
    code = "invalid_webhook_body"
    title = "Webhook body is not a courier tracking event"
