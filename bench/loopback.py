"""Helpers for the benchmarks that run real app servers on this machine (bench/app_servers.py,
bench/two_servers.py): a database and a signed-in administrator, app servers and a task worker on
127.0.0.1, a small browser, and a bounded load with its latency percentiles.

Every request goes to 127.0.0.1 only, every load is bounded in count and time, and every process
started here is stopped by the script that started it.
"""

import html.parser
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
HOST = "127.0.0.1"
DEFAULT_PG = "postgres://postgres@127.0.0.1:55432/postdoc_bench_servers"


def _serve_module() -> Any:
    """scripts/serve.py, so that the servers here run with the production start's gunicorn options."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve", ROOT / "scripts" / "serve.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = _serve_module()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def recreate_postgres_database(url: str) -> None:
    """Drops and creates the database named in a postgres:// URL (a benchmark's own, never a site's)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"{name!r}: the benchmark's database name must be letters, digits and underscores.")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def dataset_database_url(given: str | None, *, benchmark: str, postdocs: int) -> str:
    """The database a dataset benchmark uses: the one given (a SQLite path or a URL), else its own
    SQLite file for that many postdocs (kept and reused between runs)."""
    if given:
        return given if "://" in given else f"sqlite:///{Path(given).resolve()}"
    return f"sqlite:////tmp/postdoc-bench-{benchmark}-{postdocs}.sqlite3"


def ensure_postgres_database(url: str) -> None:
    """Creates the database a postgres:// URL names if it is missing (never drops one)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"{name!r}: the benchmark's database name must be letters, digits and underscores.")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def site_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """A production-like environment (DEBUG off, hashed and compressed static files) on loopback http."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": database_url,
            # Plain http on loopback: the cookies must travel without https.
            "SECURE_COOKIES": "false",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "EMAIL_BACKEND": "console",
            "LANGUAGE_CODE": "en",
            "LOG_LEVEL": "ERROR",
            "SIGN_IN_FAILURES_PER_ADDRESS": "1000",
        }
    )
    return env


def manage(env: dict[str, str], *arguments: str, timeout: float = 900) -> str:
    result = subprocess.run(
        [*MANAGE, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def create_administrator(env: dict[str, str], *, code: str, username: str, password: str) -> None:
    """An institution and its office administrator, through the same service as `setup_institution`."""
    manage(
        env,
        "shell",
        "-c",
        "from accounts.models import Role\n"
        "from accounts.services import role_assign\n"
        "from ops.institutions import institution_set_up\n"
        f"_, admin = institution_set_up(code={code!r}, name_zh='基准', admin_username={username!r}, "
        f"admin_password={password!r})\n"
        "role_assign(user=admin, role=Role.ADMIN, by=admin)\n",
    )


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def gunicorn_command(env: dict[str, str], port: int, workers: int) -> list[str]:
    return serve.gunicorn_command(env | {"BIND": f"{HOST}:{port}", "WEB_WORKERS": str(workers)})


def granian_command(env: dict[str, str], port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        "--log-level",
        "warning",
        "config.wsgi:application",
    ]


COMMANDS: dict[str, Callable[[dict[str, str], int, int], list[str]]] = {
    "gunicorn": gunicorn_command,
    "granian": granian_command,
}


def start_server(kind: str, env: dict[str, str], workdir: Path, *, workers: int, name: str = "") -> Server:
    port = free_port()
    name = name or f"{kind}-{port}"
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            COMMANDS[kind](env, port, workers), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} stopped while starting:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status, _, _ = request(port, "GET", "/login/")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{name} did not answer within 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    with (workdir / "worker.log").open("wb") as out:
        return subprocess.Popen(serve.worker_command(), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running(processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """Stops every process in the list on the way out, however the block ends."""
    try:
        yield
    finally:
        for process in reversed(processes):
            stop(process)


# ---------------------------------------------------------------------------------------------
# A small browser: one cookie jar for every server, as a load balancer in front of them would give


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connection: http.client.HTTPConnection | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], bytes]:
    own = connection is None
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        header_list = response.getheaders()
        merged: dict[str, str] = {}
        for key, value in header_list:
            merged.setdefault(key.lower(), value)
        merged["set-cookie"] = "\n".join(value for key, value in header_list if key.lower() == "set-cookie")
        return response.status, merged, data
    finally:
        if own:
            conn.close()


class FormFields(html.parser.HTMLParser):
    """The fields of the form posting to `action` (or the first form): name -> value, as a browser sends them."""

    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and not self.done and (self.action is None or a.get("action") == self.action):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(page: bytes, action: str | None = None) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(page.decode("utf-8", errors="replace"))
    return parser.fields


@dataclass
class Browser:
    cookies: dict[str, str] = field(default_factory=dict)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        return {"Host": HOST, **({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def _keep(self, headers: dict[str, str]) -> None:
        for line in headers.get("set-cookie", "").splitlines():
            pair = line.split(";", 1)[0]
            key, _, value = pair.partition("=")
            if key.strip():
                self.cookies[key.strip()] = value.strip().strip('"')

    def get(self, server: Server, path: str) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = request(server.port, "GET", path, headers=self.headers())
        self._keep(headers)
        return status, headers, body

    def post(
        self, server: Server, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for key, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                )
            for key, (filename, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        extra = {"Content-Type": content_type, "X-CSRFToken": self.cookies.get("csrftoken", "")}
        status, headers, data = request(server.port, "POST", path, body=body, headers=self.headers(extra))
        self._keep(headers)
        return status, headers, data

    def sign_in(self, server: Server, username: str, password: str) -> None:
        self.get(server, "/login/")
        status, headers, body = self.post(server, "/login/", {"username": username, "password": password})
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Signing in as {username} on {server.name} failed ({status}): {body[:500]!r}")


# ---------------------------------------------------------------------------------------------
# Load


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def rounds_summary(rounds: list[Result], load: list[float]) -> dict[str, Any]:
    """Rounds of one configuration: the median round's requests per second (with the range), and the
    latency percentiles of all its requests together."""
    pooled = Result(latencies=[latency for result in rounds for latency in result.latencies])
    rates = sorted(result.rps for result in rounds)
    return {
        "requests": sum(result.requests for result in rounds),
        "errors": sum(result.errors for result in rounds),
        "rps": round(statistics.median(rates), 1),
        "rps_range": [round(rates[0], 1), round(rates[-1], 1)],
        "p50_ms": round(pooled.percentile(50), 1),
        "p99_ms": round(pooled.percentile(99), 1),
        "load_average": round(statistics.mean(load), 2),
    }


Call = Callable[[Server, http.client.HTTPConnection], tuple[int, bytes]]


def load(
    servers: Sequence[Server],
    call: Call,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    ok: Callable[[int, bytes], bool] = lambda status, _body: status == 200,
) -> Result:
    """`concurrency` clients with keep-alive connections, spread evenly over the servers, until
    `max_requests` requests are done or `max_seconds` have passed: whichever comes first."""
    result = Result()
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + max_seconds

    def client(index: int) -> None:
        nonlocal issued
        server = servers[index % len(servers)]
        connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
        mine: list[float] = []
        errors: list[str] = []
        while time.monotonic() < deadline:
            with lock:
                if issued >= max_requests:
                    break
                issued += 1
            started = time.perf_counter()
            try:
                status, body = call(server, connection)
                good = ok(status, body)
                problem = "" if good else f"{server.name}: HTTP {status} {body[:200]!r}"
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
                problem = f"{server.name}: {type(error).__name__}: {error}"
            mine.append(time.perf_counter() - started)
            if problem:
                errors.append(problem)
        connection.close()
        with lock:
            result.latencies.extend(mine)
            result.requests += len(mine)
            result.errors += len(errors)
            result.error_samples.extend(errors[: 5 - len(result.error_samples)])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def get_call(path: str, browser: Browser | None = None) -> Call:
    def call(server: Server, connection: http.client.HTTPConnection) -> tuple[int, bytes]:
        headers = browser.headers() if browser else {"Host": HOST}
        status, _, body = request(server.port, "GET", path, headers=headers, connection=connection)
        return status, body

    return call
