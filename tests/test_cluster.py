"""``make cluster`` on a small event: web, worker and infrastructure hosts in network
namespaces. It runs wherever this process may create namespaces (root, as in CI) and has
redis-server and initdb; it takes about two minutes, so ``CLUSTER_TEST=0`` leaves it out.
``make cluster`` runs the same drill with its table."""

import os
import shutil

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


def test_the_cluster_spreads_survives_a_lost_host_and_grows(capsys):
    assert cluster.main(["--orders", "6000"]) == 0
    printed = capsys.readouterr().out
    assert "byte-identical" in printed
    assert "410 (" in printed and "w4" in printed
