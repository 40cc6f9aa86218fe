"""A throwaway local ``redis-server`` (loopback, free port, no persistence) for tests and benchmarks.

One home for how qrw starts its own Redis: the serve tests' session fixture and
``scripts/bench_serve.py`` both use :func:`local_redis`, so the flags that keep it
private and disk-free (``--bind 127.0.0.1``, ``--save ""``, ``--appendonly no``,
protected mode) are spelled once. Production points ``--to redis://...`` at its own server.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from ..errors import QrwError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def local_redis(workdir: str | None = None, wait_s: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` on 127.0.0.1 and a free port, yield its URL, stop it on exit."""
    import redis

    exe = shutil.which("redis-server")
    if exe is None:
        raise QrwError("redis-server is not installed: run `make setup` (it installs Debian's redis-server when run as root)")
    port = _free_port()
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="qrw-redis-"))
        proc = subprocess.Popen(
            [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            client = redis.Redis.from_url(url)
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    client.ping()
                    break
                except redis.exceptions.ConnectionError:
                    if proc.poll() is not None:
                        raise QrwError(f"redis-server exited with code {proc.returncode} on port {port}") from None
                    if time.monotonic() > deadline:
                        raise QrwError(f"redis-server did not answer on port {port} within {wait_s:.0f} s") from None
                    time.sleep(0.05)
            client.close()
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
