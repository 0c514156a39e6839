"""Throwaway PostgreSQL, Redis and gunicorn processes on free loopback ports, for the fault and soak runs.

Each run starts its own servers so that stopping, restarting or emptying them never touches
the machine's own PostgreSQL or Redis: PostgreSQL is initdb'd into a temporary directory and
driven with pg_ctl, Redis runs with `--save '' --appendonly no` (a dump is written only when
a restart is told to keep the contents), gunicorn serves bench.flex_site (the example site
as the benchmark deploys it). Everything listens on 127.0.0.1 only. `Stack` owns them all and
stops every process and removes every temporary directory on exit, failure or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _children, server_command  # noqa: E402

PG_BIN = Path(os.environ.get("FLEX_PG_BIN", "/usr/lib/postgresql/15/bin"))
SITE_SETTINGS = "bench.flex_site.settings"
SITE_WSGI = "bench.flex_site.wsgi:application"
DATABASE = "faults"


class InstanceError(Exception):
    """A server of the run could not be started or stopped; printed without a traceback."""


def missing_binaries() -> str | None:
    """Why the run cannot start its own servers here, or None when it can."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / name).exists():
            return f"PostgreSQL binaries not found in {PG_BIN} (set FLEX_PG_BIN)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if os.geteuid() == 0 and _service_user() is None:
        return "running as root and no unprivileged user to run PostgreSQL as"
    return None


def free_port() -> int:
    """A loopback port nothing listens on now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, run it as `postgres` (or `nobody`)."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
        time.sleep(0.05)
    return False


class Postgres:
    """One PostgreSQL cluster in a temporary directory, on a free port, trust auth, loopback only.

    fsync is off (the cluster is thrown away after the run, and fsync only matters when the
    machine itself crashes); commits stay synchronous, so a crashed server (an immediate
    stop) loses no transaction it confirmed. With synchronous_commit off it would, and the
    load's refresh ledger reports those lost rotations. A fast stop ends every connection
    at once, as a restart in production does.
    """

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.user = _service_user() if os.geteuid() == 0 else None
        self.running = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        return subprocess.run(  # noqa: S603 - PostgreSQL's own tools, our arguments
            list(args), capture_output=True, text=True, timeout=timeout, start_new_session=True, **kwargs
        )

    def init(self) -> None:
        self.dir.mkdir(parents=True)
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        done = self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
        )
        if done.returncode:
            raise InstanceError(f"initdb failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                "max_connections = 50\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        if done.returncode:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise InstanceError(f"pg_ctl start failed:\n{done.stderr[-2000:]}\n{tail}")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        if done.returncode and mode != "immediate":
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False

    def kill(self) -> None:
        """Last resort on cleanup: the postmaster from its pid file, and its process group."""
        pid_file = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
        self.running = False

    def create_database(self) -> None:
        done = self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)
        if done.returncode:
            raise InstanceError(f"createdb failed: {done.stderr[-2000:]}")

    def pids(self) -> list[int]:
        with contextlib.suppress(OSError, ValueError, IndexError):
            master = int((self.data / "postmaster.pid").read_text().split()[0])
            return [master, *_children(master)]
        return []


class Redis:
    """One redis-server on a free port with no persistence, except when a restart keeps its contents."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.dir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
            "--dbfilename",
            "dump.rdb",
            "--logfile",
            str(self.log),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - redis-server, our arguments
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(Exception):
                if self.client().ping():
                    return
            time.sleep(0.05)
        raise InstanceError(f"redis-server did not start: {self.log.read_text(errors='replace')[-1000:]}")

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def stop(self, *, keep: bool = False) -> None:
        """SHUTDOWN SAVE (`keep`: the next start loads the contents) or NOSAVE (the contents are gone)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # A raw command: redis-py retries a command whose connection drops, which SHUTDOWN's always does.
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"SHUTDOWN SAVE\r\n" if keep else b"SHUTDOWN NOSAVE\r\n")
            sock.recv(64)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if not keep:
            with contextlib.suppress(FileNotFoundError):
                (self.dir / "dump.rdb").unlink()

    MARKER = "flex-faults:marker"  # no key of the site's: they all carry its KEY_PREFIX

    def mark(self) -> int:
        """Write the marker key; returns how many keys Redis holds (the marker included)."""
        client = self.client()
        client.set(self.MARKER, b"1")
        return int(client.dbsize())

    def marked(self) -> bool:
        """Whether the marker survived: the site writes keys at once, so counting them would not tell."""
        return bool(self.client().exists(self.MARKER))


class Site:
    """The example site (bench.flex_site) under gunicorn sync workers, on the run's PostgreSQL and Redis."""

    def __init__(self, workdir: Path, database_url: str, redis_url: str, workers: int = 2) -> None:
        self.dir = workdir / "site"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.workers = workers
        self.log = self.dir / "gunicorn.log"
        self.security_log = self.dir / "security.log"
        self.process: subprocess.Popen | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": SITE_SETTINGS,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BENCH_SECURITY_LOG": str(self.security_log),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise InstanceError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self) -> dict:
        """Migrate, then the demo applications and user (manage.py flex_demo --json)."""
        self.manage("migrate", "--noinput", "-v", "0")
        return json.loads(self.manage("flex_demo", "--json").strip().splitlines()[-1])

    def start(self) -> None:
        cmd = server_command("gunicorn-sync", SITE_WSGI, self.port, self.workers)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - gunicorn from our .venv
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.base}/bench/hello", timeout=2) as response:  # noqa: S310
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            time.sleep(0.2)
        raise InstanceError(f"gunicorn did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def worker_pids(self) -> list[int]:
        return sorted(_children(self.process.pid)) if self.process and self.process.poll() is None else []

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def server_errors(self) -> int:
        """Tracebacks and `event=server_error` lines gunicorn's log received (the site logs bugs at ERROR)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count("event=server_error") + text.count("Traceback (most recent call last)")


def rss_kib(pid: int) -> int | None:
    """A process's resident set size in KiB (VmRSS in /proc), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


class Stack:
    """PostgreSQL, Redis and the site, started together and always stopped together.

    with Stack() as stack: stack.site.base, stack.pg.restart..., stack.credentials
    """

    def __init__(self, workers: int = 2, say=print) -> None:
        self.workers = workers
        self.say = say
        self.workdir = Path(tempfile.mkdtemp(prefix="flex-faults-"))
        os.chmod(self.workdir, 0o755)  # PostgreSQL's own user must reach its directory
        self.pg = Postgres(self.workdir)
        self.redis = Redis(self.workdir)
        self.site: Site | None = None
        self.credentials: dict = {}

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def start(self) -> None:
        started = time.monotonic()
        self.pg.init()
        self.pg.start()
        self.pg.create_database()
        self.redis.start()
        self.site = Site(self.workdir, self.pg.url, self.redis.url, self.workers)
        self.credentials = self.site.prepare()
        self.site.start()
        self.say(
            f"   PostgreSQL :{self.pg.port}, Redis :{self.redis.port}, gunicorn :{self.site.port} "
            f"({self.workers} workers), ready in {time.monotonic() - started:.1f} s"
        )

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop everything this stack started (each step even if an earlier one failed), then delete its files."""
        for step in (
            lambda: self.site and self.site.stop(),
            lambda: self.redis.stop(),
            lambda: self.pg.stop("immediate"),
            lambda: self.pg.kill(),
        ):
            with contextlib.suppress(Exception):
                step()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def keep_logs(self, where: Path) -> None:
        """Copy the servers' logs (for a failed run) before close() removes them."""
        where.mkdir(parents=True, exist_ok=True)
        for log in (self.pg.log, self.redis.log, *(([self.site.log, self.site.security_log]) if self.site else [])):
            with contextlib.suppress(OSError):
                shutil.copy(log, where / log.name)
