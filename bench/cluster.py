"""``make cluster``: the service on several hosts, built on this machine from network
namespaces joined by veth pairs (see ``netns``):

* "infra": Redis, PostgreSQL and an S3 server (moto's), reached over the veths;
* "web": gunicorn;
* "w1", "w2", "w3": one ``python worker.py`` each, with an empty temporary directory of its
  own and no disk shared with any other host: results go to S3.

It runs exports from several tokens, downloads each from the web host and compares it with
the same export run on one machine, kills every process of one worker host mid-export while
the other hosts work through a batch, adds a worker host while a batch waits
(``cluster_faults``), and prints what it saw as a table. Needs root.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .cluster_faults import add_a_host, kill_a_host
from .cluster_parts import one_export_over_hosts
from .netns import Network, can_create_namespaces
from .procs import BenchError, Processes

PORTS = {"postgres": 5432, "redis": 6379, "s3": 9000, "web": 8000}
BUCKET = "cluster-results"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "cluster",
    "AWS_SECRET_ACCESS_KEY": "cluster-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
FORMATS = ("xlsx", "orders:default", "positions:semicolon", "fees:excel")
POLL_SECONDS = 0.1


class Cluster:
    def __init__(self, workdir: Path, big_orders: int) -> None:
        self.workdir = workdir
        self.big_orders = big_orders
        self.net = Network(prefix=f"xc{os.getpid() % 100000}")
        self.processes = Processes()
        self.workers: dict[str, subprocess.Popen] = {}
        self.tokens: list[str] = []
        self.postgres: subprocess.Popen | None = None
        infra = self.net.infra_address
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EXPORT_"))},
            **CREDENTIALS,
            "DATABASE_URL": f"postgresql+psycopg://postgres@{infra}:{PORTS['postgres']}/cluster",
            "REDIS_URL": f"redis://{infra}:{PORTS['redis']}/0",
            "EXPORT_STORAGE": f"s3://{BUCKET}/exports",
            "S3_ENDPOINT_URL": f"http://{infra}:{PORTS['s3']}",
            "SECRET_KEY": "cluster-demo-secret",
            "CLEANUP_INTERVAL_SECONDS": "60",
            "PYTHONUNBUFFERED": "1",
        }

    # Building ------------------------------------------------------------------------------
    def build(self) -> None:
        self.net.create()
        self.net.enter_infra()
        for host in ("web", "w1", "w2", "w3"):
            self.net.add_host(host)
        self._start_postgres()
        address = self.net.infra_address
        redis = ["redis-server", "--bind", address, "--port", str(PORTS["redis"])]
        self._start(
            None, [*redis, "--protected-mode", "no", "--save", "", "--appendonly", "no"], "redis"
        )
        moto = [sys.executable, "-m", "moto.server", "-H", address, "-p", str(PORTS["s3"])]
        self._start(None, moto, "s3", env={**os.environ, **CREDENTIALS})
        for name in ("postgres", "redis", "s3"):
            wait_for_port(self.net.infra_address, PORTS[name], name)
        self._s3().create_bucket(Bucket=BUCKET)
        self._flask("web", "init-db")
        self._flask("web", "demo-data", "--orders", "300", "--event", "sampleconf")
        self._flask("web", "demo-data", "--orders", str(self.big_orders), "--event", "bigfest")
        for _team in range(3):
            output = self._flask("web", "create-token", "bigevents")
            self.tokens.append(re.search(r"(\S{20,})\s*$", output).group(1))
        self._start("web", [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads",
                            "4", "--bind", f"{self.net.hosts['web']}:{PORTS['web']}",
                            "--log-level", "warning", "wsgi:app"], "web")  # fmt: skip
        for host in ("w1", "w2", "w3"):
            self.start_worker(host)
        self.wait_for_workers(3)

    def start_worker(self, host: str, log_name: str | None = None, **settings: str) -> None:
        """A worker host: its own empty temporary directory, nothing shared; ``settings``
        are added to its environment."""
        if host not in self.net.hosts:
            self.net.add_host(host)
        scratch = self.workdir / host / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "TMPDIR": str(scratch), "EXPORT_SCRATCH_DIR": str(scratch)}
        env["INSTANCE_DIR"] = str(self.workdir / host / "instance")
        env.update(settings)
        args = [sys.executable, "worker.py"]
        self.workers[host] = self._start(host, args, log_name or host, env=env)

    def _start(self, host, args, name, env=None) -> subprocess.Popen:
        env = env or {**self.env, "INSTANCE_DIR": str(self.workdir / "web" / "instance")}
        return self.processes.start(self.net.run_in(host, args), env, self.workdir / f"{name}.log")

    def _start_postgres(self) -> None:
        data = self.workdir / "pg"
        self.workdir.chmod(0o755)  # PostgreSQL runs as its own user
        data.mkdir()
        shutil.chown(data, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
        initdb = [
            *as_postgres,
            pg_binary("initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
        ]
        done = subprocess.run([*initdb, "--no-sync"], capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"initdb failed: {done.stderr[-1000:]}")
        with open(data / "pg_hba.conf", "a") as hba:  # the cluster's hosts, over the veths
            hba.write(f"host all all {self.net.infra_address.rsplit('.', 1)[0]}.0/24 trust\n")
        server = [*as_postgres, pg_binary("postgres"), "-D", str(data)]
        server += ["-p", str(PORTS["postgres"]), "-c", f"unix_socket_directories={data}"]
        server += ["-c", f"listen_addresses={self.net.infra_address}"]
        server += ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]
        self.postgres = self._start(None, server, "postgres")
        wait_for_port(self.net.infra_address, PORTS["postgres"], "postgres")
        import psycopg

        url = f"postgresql://postgres@{self.net.infra_address}:{PORTS['postgres']}/postgres"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE DATABASE cluster")

    def _flask(self, host: str, *args: str) -> str:
        env = {**self.env, "INSTANCE_DIR": str(self.workdir / host / "instance")}
        done = subprocess.run(
            self.net.run_in(host, [sys.executable, "-m", "flask", "--app", "wsgi", *args]),
            env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        if done.returncode != 0:
            raise BenchError(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def _s3(self):
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        )
        return session.client("s3", endpoint_url=self.env["S3_ENDPOINT_URL"])

    def redis(self):
        from redis import Redis

        return Redis.from_url(self.env["REDIS_URL"])

    def wait_for_workers(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.request("GET", "/healthz")
            if status == 200 and json.loads(body)["workers"] >= count:
                return
            time.sleep(0.2)
        raise BenchError(f"fewer than {count} workers came up; see {self.workdir}")

    def wait_for_host(self, host: str, timeout: float = 60) -> None:
        """Until a worker of ``host`` has registered with RQ, ready to take exports."""
        from rq import Worker

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = set(self.net.pids(host))
            if any(worker.pid in pids for worker in Worker.all(connection=self.redis())):
                return
            time.sleep(0.1)
        raise BenchError(f"no worker of {host} came up; see {self.workdir}")

    def stop(self) -> None:
        self.processes.stop_all()
        self.net.destroy()

    # Talking to the web host ------------------------------------------------------------
    def request(self, method: str, path: str, token: str | None = None, body=None):
        connection = http.client.HTTPConnection(self.net.hosts["web"], PORTS["web"], timeout=60)
        headers = {"Authorization": f"Token {token}"} if token else {}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()

    def run(self, token: str, fmt: str, event: str = "sampleconf") -> str:
        path = f"/api/v1/organizers/bigevents/events/{event}/exporters/orderlist/run/"
        status, body = self.request("POST", path, token, {"_format": fmt})
        if status != 202:
            raise BenchError(f"run answered {status}: {body[:200]!r}")
        url = json.loads(body)["download"]
        return url[url.index("/api/") :]

    def poll(self, token: str, url: str, timeout: float = 300) -> tuple[int, bytes]:
        """Until the export ends: its final status and body."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.request("GET", url, token)
            if status not in (409, 0, 503):
                return status, body
            time.sleep(POLL_SECONDS)
        raise BenchError(f"{url} did not end within {timeout} s")

    def status_of(self, token: str, url: str) -> str:
        """``waiting``, ``running``, ``finished``, or what else the download URL answered."""
        status, body = self.request("GET", url, token)
        if status == 409:
            return json.loads(body)["status"]
        return "finished" if status == 200 else str(status)

    def one_machine_app(self, queue: str):
        """The service in this process on the cluster's store and Redis, results on this
        process's own disk: exports run here, by a SimpleWorker on ``queue``, are what one
        machine writes alone."""
        from service import create_app

        return create_app(
            {
                "DATABASE_URL": self.env["DATABASE_URL"],
                "REDIS_URL": self.env["REDIS_URL"],
                "EXPORT_STORAGE": "",
                "EXPORT_DIR": str(self.workdir / "single"),
                "EXPORT_QUEUE": queue,
                "SECRET_KEY": "single",
            }
        )

    def host_of(self, url: str) -> str | None:
        """The worker host that ran (or runs) an export, from RQ's records in Redis."""
        from rq.job import Job

        job_id = url.rstrip("/").split("/")[-2]
        redis = self.redis()
        worker = Job.fetch(job_id, connection=redis).worker_name
        pid = redis.hget(f"rq:worker:{worker}", "pid") if worker else None
        return self.net.host_of(int(pid)) if pid else None


def pg_binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian's packages put it."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def wait_for_port(host: str, port: int, name: str, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{name} did not answer on {host}:{port}")


# The checks ---------------------------------------------------------------------------------
def spread(cluster: Cluster) -> tuple[str, str, dict]:
    """Exports of three tokens, each format twice: who ran them, and the files."""
    started = [(token, fmt, cluster.run(token, fmt)) for fmt in FORMATS for token in cluster.tokens]
    files, hosts = {}, {}
    for token, fmt, url in started:
        status, body = cluster.poll(token, url)
        if status != 200:
            raise BenchError(f"{fmt}: {status} {body[:200]!r}")
        files.setdefault(fmt, set()).add(hashlib.sha256(body).hexdigest())
        host = cluster.host_of(url)
        hosts[host] = hosts.get(host, 0) + 1
    counts = ", ".join(f"{host} {n}" for host, n in sorted(hosts.items()))
    ok = len(hosts) == 3
    return (
        f"{len(started)} exports from {len(cluster.tokens)} tokens",
        counts,
        {
            "ok": ok,
            "files": files,
        },
    )


def same_as_one_machine(cluster: Cluster, files: dict) -> tuple[str, str, dict]:
    """The same exports run by this process alone, results on its own disk."""
    from rq import SimpleWorker

    from service.jobs import get_queue

    app = cluster.one_machine_app("single-machine")
    client = app.test_client()
    headers = {"Authorization": f"Token {cluster.tokens[0]}"}
    same = 0
    for fmt, digests in files.items():
        path = "/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/run/"
        url = client.post(path, headers=headers, json={"_format": fmt}).json["download"]
        with app.app_context():
            queue = get_queue()
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
        body = client.get(url[url.index("/api/") :], headers=headers).data
        same += digests == {hashlib.sha256(body).hexdigest()}
    text = f"{len(files)} formats, each downloaded by {len(cluster.tokens)} tokens: "
    text += "all byte-identical" if same == len(files) else f"{len(files) - same} differ"
    return "every file downloaded from the web host", text, {"ok": same == len(files)}


def table(rows: list[tuple[str, str]]) -> str:
    lines = ["| what | what happened |", "| --- | --- |"]
    lines += [f"| {what} | {happened} |" for what, happened in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20000, help="orders of the big event")
    parser.add_argument("--keep", action="store_true", help="keep the logs' directory")
    args = parser.parse_args(argv)
    if not can_create_namespaces():
        print("make cluster needs root and network namespaces", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    cluster = Cluster(workdir, args.orders)
    rows, ok = [], True
    try:
        print("· building the cluster", file=sys.stderr, flush=True)
        cluster.build()
        status, body = cluster.request("GET", "/healthz")
        rows.append(
            ("/healthz on the web host", f"{status}, {json.loads(body)['workers']} workers")
        )
        print("· exports from several tokens", file=sys.stderr, flush=True)
        what, happened, extra = spread(cluster)
        rows.append((what, happened))
        ok &= extra["ok"]
        what, happened, more = same_as_one_machine(cluster, extra["files"])
        rows.append((what, happened))
        ok &= more["ok"]
        print("· killing a worker host", file=sys.stderr, flush=True)
        what, happened, extra = kill_a_host(cluster)
        rows.append((what, happened))
        ok &= extra["ok"]
        print("· adding a worker host", file=sys.stderr, flush=True)
        what, happened, extra = add_a_host(cluster)
        rows.append((what, happened))
        ok &= extra["ok"]
        print("· one export's parts over the worker hosts", file=sys.stderr, flush=True)
        for what, happened, extra in one_export_over_hosts(cluster):
            rows.append((what, happened))
            ok &= extra["ok"]
        print(table(rows))
        return 0 if ok else 1
    except BenchError as exc:
        print(table(rows))
        print(f"cluster: {exc} (logs in {workdir})", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        cluster.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
