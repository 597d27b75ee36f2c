"""gunicorn for the benchmarks that go through HTTP: started on a free loopback port with DEBUG off, stopped."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def start(*, workers: int, log: Path, ready: Callable[[str], bool], env: dict | None = None,
          timeout: float = 60, options: tuple[str, ...] = (), root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the project with `workers` workers, its output in `log`; (process, base URL) once
    `ready(base)` answers true. `root` is the tree served (another commit's, benchmarks/baseline.py)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = dict(os.environ, DEBUG="0", HTTPS_ONLY="0", ALLOWED_HOSTS="127.0.0.1",
                       DJANGO_SETTINGS_MODULE="fangkong.settings", **(env or {}))
    command = [sys.executable, "-m", "gunicorn", "fangkong.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
               *options]
    if _has_control_socket():  # newer gunicorn opens one control socket per user: runs would share it
        command.append("--no-control-socket")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready(base):
                return proc, base
        except (OSError, SystemExit):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise SystemExit(f"   gunicorn did not start; see {log}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
