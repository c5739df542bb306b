"""``make cluster`` on a small event: web, worker and infrastructure hosts in network
namespaces. It runs wherever this process may create namespaces (root, as in CI) and has
redis-server and initdb; it takes about two minutes, so ``CLUSTER_TEST=0`` leaves it out.
``make cluster`` runs the same drill with its table."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import cluster
from bench.netns import can_create_namespaces

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TEST") == "0"
    or not (
        can_create_namespaces() and shutil.which("redis-server") and cluster.pg_binary("initdb")
    ),
    reason="CLUSTER_TEST=0, or no root, network namespaces, redis-server or initdb here",
)


def test_the_cluster_spreads_survives_a_lost_host_and_grows():
    # A process of its own: the drill moves its own sockets into the infrastructure
    # namespace for good, and every later test needs this one's network.
    drill = subprocess.run(
        [sys.executable, "-m", "bench.cluster", "--orders", "6000"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert drill.returncode == 0, drill.stdout[-3000:] + drill.stderr[-3000:]
    printed = drill.stdout
    assert "byte-identical" in printed
    assert "410 (" in printed and "w4" in printed
    # One export's parts over the hosts, meeting in S3: the one-machine file.
    assert printed.count("as part jobs | ") == 2
    assert printed.count("the same as one machine's") == 2 and "NOT the same" not in printed
