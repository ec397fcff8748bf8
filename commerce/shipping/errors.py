from commerce.core.errors import Conflict, NotFound, ValidationFailed


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


from commerce.core.webhooks import InvalidSignature  # noqa: E402, F401 - one scheme, one error


class InvalidWebhookBody(ValidationFailed):
    code = "invalid_webhook_body"
    title = "Webhook body is not a courier tracking event"
