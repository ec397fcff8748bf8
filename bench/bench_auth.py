"""Auth hot paths under load: `python -m bench.bench_auth [--duration S] [--connections C] [--workers N]`.

`GET /api/users/me` is what every authenticated page pays (JWT check, Redis denylist, three reads).
`POST /api/auth/login` with the right password is bound by argon2id, which is deliberately slow, so
its figure is a capacity number (logins per second for the machine), not something to optimise away.
Login is measured over one account per connection, as real traffic is, and once more with every
request on one account: that run shows the row lock on `auth.account` (login updates
`last_login_at`), which the spread-out run hides.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.harness import BenchServer, Scenario, measure, parse_options, report


def _register(base_url: str) -> dict[str, str]:
    tag = secrets.token_hex(6)
    creds = {"email": f"bench-{tag}@example.com", "password": f"bench-pass-{tag}"}
    resp = httpx.post(f"{base_url}/api/auth/register", json={**creds, "username": f"bench_{tag}"}, timeout=60)
    if resp.status_code != 201:
        raise SystemExit(f"register answered {resp.status_code}: {resp.text}")
    return creds


def make_accounts(base_url: str, count: int) -> list[dict[str, str]]:
    """Registers COUNT accounts over the API (argon2 hashing each, so a few at a time)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: _register(base_url), range(count)))


def access_token(base_url: str, creds: dict[str, str]) -> str:
    """Logs in once and checks the token works: a bench of 401s would measure the error path."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        resp = client.post("/api/auth/login", json=creds)
        if resp.status_code != 200:
            raise SystemExit(f"login answered {resp.status_code}: {resp.text}")
        token = resp.json()["access_token"]
        resp = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        if resp.status_code != 200:
            raise SystemExit(f"/api/users/me answered {resp.status_code}: {resp.text}")
    return token


def main() -> None:
    opts = parse_options(__doc__.splitlines()[0])
    with BenchServer(workers=opts.workers) as server:
        accounts = make_accounts(server.base_url, min(opts.connections, 64))
        token = access_token(server.base_url, accounts[0])
        scenarios = [
            Scenario("users/me", "/api/users/me", headers={"Authorization": f"Bearer {token}"}),
            Scenario("login", "/api/auth/login", method="POST", bodies=tuple(accounts)),
            Scenario("login, one account", "/api/auth/login", method="POST", body=accounts[0]),
        ]
        rows = measure(server, scenarios, opts)
    report("auth", rows, opts, server)


if __name__ == "__main__":
    main()
