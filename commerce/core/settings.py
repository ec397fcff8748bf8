"""One settings object for every process (API, worker, CLI, pipelines), read from `LAKOO_*` variables.

Unset store URLs mean "use the embedded stores under `var_dir`", so a fresh checkout runs with no
configuration at all while production points the same code at managed servers.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAKOO_", env_file=".env", extra="ignore")

    env: str = Field("dev", description="dev | test | prod; prod refuses insecure defaults")
    var_dir: Path = Path("var")

    database_url: str | None = None
    redis_url: str | None = None
    redis_namespace: str = Field("lakoo", description="prefix of every Redis key and stream")
    redis_max_connections: int = Field(64, description="per process; bursts wait for a free connection")
    warehouse_path: Path | None = None

    embedded_pg_port: int = 54329
    embedded_redis_port: int = 63799

    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_echo: bool = False

    jwt_secret: str | None = None
    jwt_issuer: str = "lakoo"
    jwt_audience: str = "lakoo-api"
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600

    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_window_s: int = 60

    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True

    outbox_batch_size: int = 100
    outbox_poll_interval_s: float = 0.5
    consumer_max_attempts: int = 5
    consumer_retry_base_s: float = 1.0
    consumer_block_ms: int = 1000

    reservation_ttl_s: int = Field(15 * 60, description="how long checkout holds stock for an unpaid order")
    payment_webhook_secret: str | None = Field(None, description="HMAC key of payment provider webhooks")
    courier_webhook_secret: str | None = Field(None, description="HMAC key of courier tracking webhooks")
    auto_complete_days: int = Field(7, description="delivered orders complete by themselves after this")
    commission_bps: int = Field(500, ge=0, le=10_000,
                                description="platform commission on a completed order's goods, basis points")
    payout_min_amount: int = Field(10_000, ge=1, description="smallest payout a seller may request, IDR")

    feed_fanout_threshold: int = Field(10_000, description="authors above this many followers are merged at read")
    feed_pointer_cache_s: float = Field(2.0, ge=0, description="how long a process trusts its copy of the live "
                                        "ranking version (0: ask Redis every time)")
    feed_fast_path: bool = Field(True, description="serve the ranked feeds from the ASGI fast path, not FastAPI's")
    experiment_name: str = Field("ranking-v1", description="ranking experiment; renaming it reshuffles buckets")
    experiment_treatment_pct: float = Field(0.0, ge=0, le=100,
                                            description="share of users (%) served the challenger model's lists")
    experiment_treatment_space: str = Field("post_challenger", description="list space the treatment reads")

    # ranking: what `lakoo pipeline run retrain|trending` train and publish
    ranking_model: str = Field("als", pattern="^(als|bpr)$", description="the factor model of the retrain")
    ranking_params: dict[str, float | int | str] = Field(
        default_factory=dict, description='its hyper-parameters as JSON, e.g. {"factors": 128, "regularization": 0.1}')
    ranking_window_days: float = Field(90.0, gt=0, description="days of interactions a retrain learns from")
    trending_window_hours: float = Field(72.0, gt=0, description="hours of engagement trending looks at")
    trending_ttl_s: int = Field(2 * 86400, gt=0, description="a trending version expires unless refreshed within this")

    # notifications: batching, delivery retries and the email/push/SMS channels
    notification_batch_window_s: int = Field(6 * 3600, description="likes/follows within this fold into one")
    notification_batch_delay_s: int = Field(60, description="batched notifications wait this long before push/email")
    notification_locale: str = Field("id", description="language of email, push and SMS text (id | en)")
    notification_app_url: str = Field("https://lakoo.id", description="base of links in emails and pushes")
    notification_max_attempts: int = Field(6, description="channel attempts before a delivery is failed")
    notification_retry_base_s: float = Field(30.0, description="first retry delay; doubles per attempt")
    notification_retry_max_s: float = 3600.0
    notification_lease_s: int = Field(300, description="a send not recorded within this is treated as crashed")
    notification_dispatch_interval_s: float = 2.0
    notification_dispatch_batch_size: int = 100
    notification_retention_days: int = Field(180, description="read notifications older than this are pruned")
    notification_outbound_max_age_s: int = Field(
        86400, ge=0, description="events older than this when turned into notifications get in-app only: no email, "
                                 "push or SMS (a backlog after an outage, replayed history)")
    email_backend: str = Field("file", description="file (.eml under var/outbox/email) | smtp")
    email_from: str = "LAKOO <no-reply@lakoo.id>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: str = Field("none", description="none | starttls | tls")
    smtp_timeout_s: float = 15.0
    push_backend: str = Field("file", description="file (JSON under var/outbox/push); real providers plug in")
    sms_backend: str = Field("file", description="file (JSON under var/outbox/sms); real providers plug in")

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 1
    bench_routes: bool = Field(False, description="mount /_bench/bare for the benchmark harness")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.startswith("["):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def resolved_warehouse_path(self) -> Path:
        return self.warehouse_path or self.var_dir / "warehouse.duckdb"

    def resolved_jwt_secret(self) -> str:
        """A stable secret for dev: generated once and kept under var/, so tokens survive restarts.

        In prod a missing secret is a configuration error, never silently generated.
        """
        if self.jwt_secret:
            return self.jwt_secret
        if self.env == "prod":
            raise RuntimeError("LAKOO_JWT_SECRET must be set when LAKOO_ENV=prod")
        path = self.var_dir / "jwt_secret"
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".jwt_secret.{os.getpid()}")
        candidate.write_text(secrets.token_urlsafe(48))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)  # atomic create-if-absent: concurrent workers agree on one secret
        except FileExistsError:
            pass
        finally:
            candidate.unlink(missing_ok=True)
        return path.read_text().strip()


    def webhook_secret(self, which: str) -> str:
        """Explicit secrets in prod; in dev a stable key derived from the JWT secret, so the built-in
        test provider and courier can sign their calls without any set-up."""
        explicit = {"payments": self.payment_webhook_secret, "courier": self.courier_webhook_secret}[which]
        if explicit:
            return explicit
        if self.env == "prod":
            raise RuntimeError(f"LAKOO_{'PAYMENT' if which == 'payments' else 'COURIER'}_WEBHOOK_SECRET must be set")
        import hashlib
        import hmac

        return hmac.new(self.resolved_jwt_secret().encode(), f"webhook:{which}".encode(), hashlib.sha256).hexdigest()


@lru_cache
def get_settings() -> Settings:
    return Settings()
