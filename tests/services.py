"""Real servers for the scaling tests, started on loopback: PostgreSQL, an S3 server, Dask.

Each ``start_*`` returns a handle with ``stop()``, or raises ``Unavailable`` saying why the
component cannot start here (binary missing, start failed); the fixtures in
``tests/conftest.py`` turn that into a skip with the reason, or into a failure when
``QUANT_TEST_SERVICES=require`` (set by ``.ci/run``, so CI never skips them silently).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

S3_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class Unavailable(RuntimeError):
    """A component cannot be started on this machine (the message says why)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_pg_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise Unavailable("PostgreSQL is not installed (apt-get install -y postgresql)")
    return Path(initdb).resolve().parent


def _pg_major(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster in a temp folder, listening on 127.0.0.1:port."""

    bin_dir: Path
    data_dir: Path
    port: int
    user: str | None  # run as this OS user (postgres refuses to run as root)

    @property
    def url(self) -> str:
        """URL of the ``postgres`` database as the superuser (trust auth; default driver)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if res.returncode != 0:
            raise Unavailable(f"{args[0]} failed: {(res.stderr or res.stdout).strip()[-500:]}")

    def stop(self) -> None:
        """Stop the server (immediate shutdown) and remove its folder; idempotent."""
        if not self.data_dir.exists():
            return
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data_dir / "db"), "-m", "immediate")
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb + pg_ctl start a new cluster (fsync off: a test server) on a free port."""
    bin_dir = _pg_bin()
    user = None
    tmp = Path(tempfile.mkdtemp(prefix="quant-pg-"))
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(tmp)
            raise Unavailable("running as root and there is no 'postgres' user") from None
        user = "postgres"
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
    pg = Postgres(bin_dir, tmp, free_port(), user)
    try:
        pg._run(
            "initdb",
            "-D",
            str(tmp / "db"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = (
            f"-c port={pg.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={tmp} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        pg._run("pg_ctl", "start", "-w", "-D", str(tmp / "db"), "-l", str(tmp / "log"), "-o", opts)
    except (Unavailable, OSError, subprocess.TimeoutExpired) as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise Unavailable(f"PostgreSQL did not start: {err}") from None
    atexit.register(pg.stop)  # pg_ctl daemonises the server: never leave it behind
    return pg


@dataclass
class S3Server:
    """``python -m moto.server`` (an S3-compatible server) on 127.0.0.1:port."""

    proc: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        """The server's HTTP endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def storage_options(self) -> dict[str, str]:
        """deltalake storage options for this server (path-style, plain HTTP)."""
        return {
            **S3_KEYS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        }

    def create_bucket(self, name: str) -> None:
        """Create a bucket (S3 CreateBucket over boto3)."""
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=name)

    def stop(self) -> None:
        """Terminate the server process; idempotent."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_s3() -> S3Server:
    """Start the moto S3 server in its own process and wait until it answers."""
    try:
        import moto.server  # noqa: F401 - only checks that moto[server] is installed
    except ImportError as err:
        raise Unavailable(f"moto[server] is not installed ({err})") from None
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = S3Server(proc, port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Unavailable(f"moto server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=1):
                atexit.register(server.stop)  # idempotent: never leave the server behind
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise Unavailable("moto server did not answer within 30 s")


@dataclass
class DaskCluster:
    """A ``distributed.LocalCluster`` of worker processes (spawned) and its address."""

    cluster: object
    address: str

    def stop(self) -> None:
        """Close the cluster and its workers."""
        self.cluster.close()  # type: ignore[attr-defined]


def start_dask(n_workers: int = 2) -> DaskCluster:
    """A LocalCluster with ``n_workers`` processes of one thread each, on loopback."""
    try:
        import dask
        from distributed import LocalCluster
    except ImportError as err:
        raise Unavailable(f"dask distributed is not installed ({err})") from None
    # Workers must not fork: deltalake's runtime does not survive it (spawn is also dask's default).
    dask.config.set({"distributed.worker.multiprocessing-method": "spawn"})
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # any free port: never clash with a running one
        silence_logs=40,
    )
    return DaskCluster(cluster, cluster.scheduler_address)
