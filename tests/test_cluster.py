"""``make cluster`` on a small event: web, worker and infrastructure hosts in network
namespaces. It takes minutes, so it runs only when asked (``CLUSTER_TEST=1``) and where this
process may create namespaces (root); ``make cluster`` runs the same drill with its table."""

import os
import shutil

import pytest

from bench import cluster
from bench.netns import can_create_namespaces

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TEST") != "1"
    or not (
        can_create_namespaces() and shutil.which("redis-server") and cluster.pg_binary("initdb")
    ),
    reason="set CLUSTER_TEST=1; needs root, network namespaces, redis-server and initdb",
)


def test_the_cluster_spreads_survives_a_lost_host_and_grows(capsys):
    assert cluster.main(["--orders", "6000"]) == 0
    printed = capsys.readouterr().out
    assert "byte-identical" in printed
    assert "410 (" in printed and "w4" in printed
