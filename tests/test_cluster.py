"""``make cluster`` on a small event: web, worker and infrastructure hosts in network
namespaces. Runs where this process may create them (root); skipped elsewhere."""

import shutil

import pytest

from bench import cluster
from bench.netns import can_create_namespaces

pytestmark = pytest.mark.skipif(
    not (can_create_namespaces() and shutil.which("redis-server") and cluster.pg_binary("initdb")),
    reason="needs root, network namespaces, redis-server and PostgreSQL's initdb",
)


def test_the_cluster_spreads_survives_a_lost_host_and_grows(capsys):
    assert cluster.main(["--orders", "6000"]) == 0
    printed = capsys.readouterr().out
    assert "byte-identical" in printed
    assert "410 (" in printed and "w4" in printed
