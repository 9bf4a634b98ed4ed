"""A throwaway PostgreSQL cluster for tests and benchmarks (yours too).

PostgreSQL refuses to run as root, so as root the cluster is initialised and
started as the `postgres` user (runuser). Needs the PostgreSQL server
binaries (`initdb`, `pg_ctl`) on PATH or under /usr/lib/postgresql.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from dbsynth.errors import ConfigError


def pg_bin(name: str) -> str:
    """Path of a PostgreSQL binary (PATH first, then the newest Debian install)."""
    found = shutil.which(name)
    if found:
        return found
    for cand in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(cand)
    raise ConfigError(f"PostgreSQL binary {name!r} not found", hint="install postgresql (see .ci/run)")


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster(*, prefix: str = "dbsynth-pg-", hba_rules: str = "",
                  options: str = "") -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start on a free loopback port; returns (superuser URL, stop).

    hba_rules: pg_hba.conf lines put before the default trust rules.
    options: extra server options, e.g. "-c shared_buffers=256MB".
    """
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        os.chmod(base, 0o700)
    subprocess.run(as_postgres([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    if hba_rules:
        hba = data / "pg_hba.conf"
        text = hba_rules.rstrip("\n") + "\n" + hba.read_text()
        subprocess.run(as_postgres(["sh", "-c", f"cat > {hba}"]), input=text.encode(), check=True)
    port = _free_port()
    # fsync off: a throwaway cluster measures dbsynth, not the disk.
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off {options}".strip()
    subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                                "-o", opts, "start"]), check=True, capture_output=True)

    def stop() -> None:
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop
