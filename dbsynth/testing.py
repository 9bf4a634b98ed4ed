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


def mysql_bin(name: str) -> str | None:
    """Path of a MariaDB/MySQL server binary (PATH, then /usr/sbin), or None when not installed."""
    return shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name,) if p.exists()), None)


def start_mysql(*, prefix: str = "dbsynth-mdb-", timeout: float = 60.0) -> tuple[str, Callable[[], None]]:
    """A throwaway MariaDB server (mariadb-install-db + mariadbd) on a free loopback port.

    Runs as the `mysql` user when started as root; reads no option file (--no-defaults) and
    touches no system service. Returns (root URL with the `mysql` database, stop). Root logs
    in over TCP with a password-less account created here.
    """
    import time

    install, server = mysql_bin("mariadb-install-db"), mysql_bin("mariadbd")
    if not install or not server:
        raise ConfigError("MariaDB server binaries (mariadb-install-db, mariadbd) not found",
                          hint="apt-get install -y mariadb-server (see .ci/run)")
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    data, sock = base / "data", base / "sock"
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(base, "mysql", "mysql")
    subprocess.run([install, "--no-defaults", *user, f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db"], check=True, capture_output=True)
    port = _free_port()
    cmd = [server, "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}",
           "--bind-address=127.0.0.1", f"--pid-file={base / 'pid'}", f"--log-error={base / 'error.log'}",
           "--local-infile=1", "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve",
           "--character-set-server=utf8mb4"]
    runner = ["runuser", "-u", "mysql", "--"] if os.geteuid() == 0 else []
    proc = subprocess.Popen([*runner, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            log = (base / "error.log").read_text(errors="replace")[-400:] if (base / "error.log").exists() else ""
            proc.kill()
            shutil.rmtree(base, ignore_errors=True)
            raise ConfigError(f"the throwaway MariaDB server did not start: {log.strip()[-200:]}")
        time.sleep(0.2)
    client = mysql_bin("mariadb") or "mariadb"
    subprocess.run([client, "--no-defaults", "-S", str(sock), "-u", "root", "-e",
                    "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; "
                    "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"], check=True, capture_output=True)

    def stop() -> None:
        import signal
        pid_file = base / "pid"
        try:  # runuser may not forward signals: stop mariadbd itself by its pid file
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(base, ignore_errors=True)

    return f"mysql://root@127.0.0.1:{port}/mysql", stop
