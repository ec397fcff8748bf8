from commerce.core.errors import NotFound, ValidationFailed


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    title = "Notification not found"


class DeviceNotFound(NotFound):
    code = "push_device_not_found"
    title = "Push device not found"


class InAppAlwaysOn(ValidationFailed):
    code = "in_app_always_on"
    title = "In-app notifications cannot be turned off; turn off email, push or SMS instead"
