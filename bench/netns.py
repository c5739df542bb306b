"""A small network of Linux network namespaces on one machine: an "infrastructure" namespace
holding a bridge, and hosts joined to it each by a veth pair. Nothing is routed to or from
the machine's own network; only these namespaces reach one another.
"""

import ctypes
import os
import subprocess
from dataclasses import dataclass, field

CLONE_NEWNET = 0x40000000
SUBNET = "10.231.7"


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def can_create_namespaces() -> bool:
    """Root with the ``ip`` tool and a kernel that lets us make a namespace here."""
    if os.geteuid() != 0:
        return False
    name = f"probe{os.getpid()}"
    try:
        ip("netns", "add", name)
    except (OSError, subprocess.CalledProcessError):
        return False
    ip("netns", "del", name)
    return True


@dataclass
class Network:
    prefix: str
    hosts: dict[str, str] = field(default_factory=dict)  # host name → address

    @property
    def infra(self) -> str:
        return f"{self.prefix}-infra"

    @property
    def infra_address(self) -> str:
        return f"{SUBNET}.1"

    def namespace(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def create(self) -> None:
        ip("netns", "add", self.infra)
        ip("-n", self.infra, "link", "set", "lo", "up")
        ip("-n", self.infra, "link", "add", "br0", "type", "bridge")
        ip("-n", self.infra, "addr", "add", f"{self.infra_address}/24", "dev", "br0")
        ip("-n", self.infra, "link", "set", "br0", "up")

    def add_host(self, host: str) -> str:
        """A namespace ``host`` joined to the bridge; returns its address."""
        namespace = self.namespace(host)
        address = f"{SUBNET}.{10 + len(self.hosts) + 1}"
        ip("netns", "add", namespace)
        ip("-n", namespace, "link", "set", "lo", "up")
        ip(
            "-n", self.infra, "link", "add", f"v-{host}", "type", "veth",
            "peer", "name", "eth0", "netns", namespace,
        )  # fmt: skip
        ip("-n", self.infra, "link", "set", f"v-{host}", "master", "br0", "up")
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", namespace, "link", "set", "eth0", "up")
        self.hosts[host] = address
        return address

    def run_in(self, host: str | None, args: list[str]) -> list[str]:
        """``args`` as a command run inside ``host``'s namespace (None: infrastructure)."""
        return ["ip", "netns", "exec", self.infra if host is None else self.namespace(host), *args]

    def pids(self, host: str) -> list[int]:
        out = subprocess.run(
            ["ip", "netns", "pids", self.namespace(host)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def host_of(self, pid: int) -> str | None:
        out = subprocess.run(
            ["ip", "netns", "identify", str(pid)], capture_output=True, text=True
        ).stdout.strip()
        return out.removeprefix(f"{self.prefix}-") if out else None

    def enter_infra(self) -> None:
        """This process's own sockets from now on live in the infrastructure namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        descriptor = os.open(f"/var/run/netns/{self.infra}", os.O_RDONLY)
        try:
            if libc.setns(descriptor, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns failed")
        finally:
            os.close(descriptor)

    def destroy(self) -> None:
        for host in list(self.hosts):
            subprocess.run(["ip", "netns", "del", self.namespace(host)], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.infra], capture_output=True)
