"""A PostgreSQL server for the benchmarks: a throwaway cluster, or DBSYNTH_BENCH_POSTGRES_URL.

PostgreSQL refuses to run as root, so as root the cluster is initialised and
started as the `postgres` user (runuser): `dbsynth.testing`, shared with `tests/conftest.py`.
"""
from __future__ import annotations

import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dbsynth import testing
from dbsynth.errors import ConfigError
from dbsynth.testing import pg_bin

ENV_URL = "DBSYNTH_BENCH_POSTGRES_URL"


def start_cluster() -> tuple[str, Callable[[], None]]:
    """The shared throwaway cluster, sized for bulk loads."""
    return testing.start_cluster(prefix="dbsynth-bench-pg-", options="-c max_connections=40 "
                                 "-c shared_buffers=256MB -c max_wal_size=4GB")


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
