"""scripts/serve.py: the worker is restarted and never takes the web server down; the production start
refuses what is unsafe and then serves with gunicorn, static files compressed under hashed names."""

import importlib.util
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ops.test_deploy import example_environment

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.py"


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", SERVE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = load_serve()


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_gunicorn_loads_the_app_in_its_master_and_forks_warm_workers():
    import config.gunicorn_hooks as hooks

    command = serve.gunicorn_command({})
    assert command[command.index("--config") + 1] == "python:config.gunicorn_hooks"
    assert hooks.preload_app is True
    assert callable(hooks.when_ready)


def test_a_dying_worker_is_restarted_with_growing_pauses_and_the_web_server_goes_on(caplog):
    caplog.set_level(logging.INFO, logger="serve")
    supervisor = serve.Supervisor(
        python("import time; time.sleep(60)"),
        python("import sys; sys.exit(3)"),
        first_pause=0.1,
        longest_pause=0.4,
        stop_timeout=5,
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while supervisor.worker_starts < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert supervisor.worker_starts >= 5
        assert supervisor.web is not None and supervisor.web.poll() is None
    finally:
        supervisor.stop()
        runner.join(timeout=15)
    assert not runner.is_alive()
    assert supervisor.web.poll() is not None  # stopped with the supervisor, not before
    pauses = [float(m) for m in re.findall(r"exit status 3\); starting it again in ([\d.]+) s", caplog.text)]
    assert pauses[:4] == [0.1, 0.2, 0.4, 0.4]


def test_the_web_server_stopping_stops_the_worker(caplog):
    supervisor = serve.Supervisor(python("import sys; sys.exit(4)"), python("import time; time.sleep(60)"))
    assert supervisor.run() == 4
    assert supervisor.worker is not None and supervisor.worker.poll() is not None
    assert "The web server stopped (exit status 4)" in caplog.text


@pytest.mark.parametrize(
    ("missing", "sentence"),
    [
        ("SECRET_KEY", "SECRET_KEY is not set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS is not set"),
    ],
)
def test_the_production_start_refuses_a_missing_setting(tmp_path, missing, sentence):
    env = example_environment(tmp_path)
    del env[missing]
    result = subprocess.run(
        [sys.executable, str(SERVE), "--production"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "The site is not started" in result.stderr


def test_the_production_start_refuses_debug_on(tmp_path):
    env = example_environment(tmp_path) | {"DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, str(SERVE), "--production"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "the production start runs with DEBUG=false" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, host: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_production_start_refuses_demo_passwords_then_serves_with_gunicorn(tmp_path):
    port = free_port()
    env = example_environment(tmp_path) | {
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    host = env["ALLOWED_HOSTS"]

    def manage(*arguments: str) -> None:
        subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, timeout=180)

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(SERVE), "--production", "--no-worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    manage("migrate", "--no-input", "-v", "0")
    manage("shell", "-c", "from accounts.models import User; User.objects.create_user('admin', password='admin')")
    refused = start()
    output, _ = refused.communicate(timeout=120)
    assert refused.returncode == 2, output
    assert "The demo's accounts admin sign in with the demo's published password" in output
    assert "the site is not started" in output

    manage("shell", "-c", "from accounts.models import User; u = User.objects.get(username='admin'); "
           "u.set_password('Another-Password-7'); u.save()")  # fmt: skip
    server = start()
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, page = get(f"http://127.0.0.1:{port}/login/", host)
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, server.poll()
        # The page links its static files under hashed names, served compressed and cached for a year.
        stylesheet = re.search(rb"/static/[\w/.-]+\.[0-9a-f]{12}\.css", page)
        assert stylesheet, page[:2000]
        status, headers, _ = get(
            f"http://127.0.0.1:{port}{stylesheet.group().decode()}", host, **{"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers.get("Content-Encoding") in {"gzip", "br"}
        assert "immutable" in headers.get("Cache-Control", "")
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
        assert server.returncode == 0, output
        # Loaded and warmed up once in gunicorn's master, before the worker was forked (decision 72).
        assert "Warmed up for the workers" in output
        assert output.index("Warmed up for the workers") < output.index("Booting worker")
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
