"""What the notification producer and dispatcher need from settings, as one plain object (tests build
their own without touching the process settings)."""

from __future__ import annotations

from dataclasses import dataclass

from commerce.core.settings import Settings


@dataclass(frozen=True)
class NotificationConfig:
    batch_window_s: int = 6 * 3600
    batch_delay_s: int = 60
    locale: str = "id"
    app_url: str = "https://lakoo.id"
    max_attempts: int = 6
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    lease_s: int = 300
    dispatch_batch_size: int = 100
    send_concurrency: int = 8
    outbound_max_age_s: int = 86400


def notification_config(settings: Settings) -> NotificationConfig:
    return NotificationConfig(
        batch_window_s=settings.notification_batch_window_s,
        batch_delay_s=settings.notification_batch_delay_s,
        locale=settings.notification_locale,
        app_url=settings.notification_app_url.rstrip("/"),
        max_attempts=settings.notification_max_attempts,
        retry_base_s=settings.notification_retry_base_s,
        retry_max_s=settings.notification_retry_max_s,
        lease_s=settings.notification_lease_s,
        dispatch_batch_size=settings.notification_dispatch_batch_size,
        outbound_max_age_s=settings.notification_outbound_max_age_s,
    )
