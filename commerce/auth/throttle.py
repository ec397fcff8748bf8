"""Failed-login counters in Redis, per account and per client address, in fixed windows that start at
the first failure. Counting only failures means a user who types the right password is never slowed
by the limiter, while guessing is capped at N tries per window from either side."""

from __future__ import annotations

import hashlib

from commerce.auth.errors import LoginThrottled
from commerce.core.redis import RedisStore


def _account_key(redis: RedisStore, email: str) -> str:
    return redis.key("throttle", "login", "account", hashlib.sha256(email.encode()).hexdigest()[:32])


def _ip_key(redis: RedisStore, client_ip: str) -> str:
    return redis.key("throttle", "login", "ip", client_ip)


async def ensure_login_allowed(redis: RedisStore, *, email: str, client_ip: str, max_per_account: int,
                               max_per_ip: int) -> None:
    keys = [_account_key(redis, email), _ip_key(redis, client_ip)]
    counts = await redis.client.mget(keys)
    for key, count, limit in zip(keys, counts, (max_per_account, max_per_ip), strict=True):
        if count is not None and int(count) >= limit:
            ttl = await redis.client.ttl(key)
            raise LoginThrottled(retry_after_s=ttl if ttl > 0 else 1)


async def record_failure(redis: RedisStore, *, email: str, client_ip: str, window_s: int) -> None:
    pipe = redis.client.pipeline(transaction=True)
    for key in (_account_key(redis, email), _ip_key(redis, client_ip)):
        pipe.set(key, 0, ex=window_s, nx=True)
        pipe.incr(key)
    await pipe.execute()


async def record_success(redis: RedisStore, *, email: str) -> None:
    await redis.client.delete(_account_key(redis, email))
