"""Processes the tests start and disturb: free ports, a worker's work horses, and a Redis
server of a test's own that it may stop and start again."""

import os
import shutil
import signal
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def kill_worker_and_horse(worker: subprocess.Popen) -> None:
    """What a lost machine or the OOM killer does: SIGKILL the worker and its work horse
    (RQ runs the horse in a process group of its own)."""
    groups = {os.getpgid(pid) for pid in [worker.pid, *child_pids(worker.pid)]}
    for group in groups:
        os.killpg(group, signal.SIGKILL)
    worker.wait(timeout=10)


class RedisServer:
    """A redis-server on a free port, without persistence: a restart comes back empty."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
