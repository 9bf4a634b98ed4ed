"""A PostgreSQL server for the benchmarks: a throwaway cluster, or DBSYNTH_BENCH_POSTGRES_URL.

PostgreSQL refuses to run as root, so as root the cluster is initialised and
started as the `postgres` user (runuser), the same way `tests/conftest.py` does.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dbsynth.errors import ConfigError

ENV_URL = "DBSYNTH_BENCH_POSTGRES_URL"


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for cand in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(cand)
    raise ConfigError(f"PostgreSQL binary {name!r} not found", hint="install postgresql (see .ci/run)")


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster() -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start on a free port; returns (superuser URL, stop)."""
    base = Path(tempfile.mkdtemp(prefix="dbsynth-bench-pg-", dir="/tmp"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        os.chmod(base, 0o700)
    subprocess.run(_as_postgres([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    port = _free_port()
    # fsync off: the benchmark measures dbsynth and COPY, not the disk; both get the same server.
    opts = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40 "
            f"-c shared_buffers=256MB -c max_wal_size=4GB")
    subprocess.run(_as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                                 "-o", opts, "start"]), check=True, capture_output=True)

    def stop() -> None:
        subprocess.run(_as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def with_db(url: str, dbname: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + dbname


def psql(url: str, sql: str | None = None, *, file: Path | None = None) -> str:
    cmd = [pg_bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
    cmd += ["-f", str(file)] if file else ["-c", sql or ""]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        from connectors.base import mask_url
        errors = [ln for ln in out.stderr.splitlines() if "ERROR" in ln] or out.stderr.strip().splitlines()[-1:]
        raise ConfigError(mask_url(f"psql failed on {url}: {' / '.join(errors[:2])}"),
                          hint="see the PostgreSQL message; the benchmark databases are throwaway")
    return out.stdout


@dataclass
class PgServer:
    """Creates and drops databases on one server; `close()` drops them all and stops a cluster we started."""

    admin_url: str
    _stop: Callable[[], None] = lambda: None
    created: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, url: str | None = None) -> "PgServer":
        url = url or os.environ.get(ENV_URL)
        if url:
            return cls(admin_url=url)
        admin, stop = start_cluster()
        return cls(admin_url=admin, _stop=stop)

    def create(self, prefix: str, *, sql_file: Path | None = None) -> str:
        name = f"bench_{prefix}_{uuid.uuid4().hex[:6]}".lower()
        psql(self.admin_url, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = with_db(self.admin_url, name)
        if sql_file is not None:
            psql(url, file=sql_file)
        return url

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        psql(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop(with_db(self.admin_url, name))
        self._stop()
