"""Each cloud as `make local` imitates it, behind one interface.

The runner (twin_ops/local/runner.py) walks the synthesized output and the topology and asks the
cloud of each function, stack or layer what its platform does: the variables it sets, how a
function is reached, how devices connect, what runs on a timer, how the twin and the dashboards
are read. A cloud implements LocalCloud in the module of its runtime package's name (`aws`,
`azure`, `gcp`), so the runner names no cloud; it inherits the defaults of the two methods that
have one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from twin_model.clouds import CLOUDS
from twin_model.config.model import Provider
from twin_ops.local.output import SynthFunction
from twin_ops.post_deploy.grafana import Source

if TYPE_CHECKING:
    from twin_ops.local import census
    from twin_ops.local.deployment import LocalDeployment
    from twin_ops.local.runner import LocalRun, Row

Deliver = Callable[[str, str], None]  # (device id, feedback text)
CLOCK_HEADER = "X-Dt-Local-Clock-Offset"  # a scheduled run's clock offset, read by the function host (function_host.py)


@runtime_checkable
class LocalCloud(Protocol):
    devices_over_mqtt: bool  # L1 here: devices publish to the run's MQTT broker
    serves_http: bool  # its functions listen on a port of their own (a Lambda is invoked through the stand-in)

    def platform_environment(self, function: SynthFunction, name: str, region: str) -> dict[str, str]:
        """The variables the platform sets for `function` (deployed as `name`), never the twin's:
        a setting the code needs and the template does not give must fail at start, as in the cloud."""

    def signature_type(self, function: SynthFunction) -> str | None:
        """How the function framework starts the function, where the platform has a choice (None: no choice)."""
        return None

    def host_environment(self, run: LocalRun, function: SynthFunction) -> dict[str, str]:
        """Where the function's SDKs find this cloud's services on this machine, and the run's CA."""

    def host_options(self, run: LocalRun, function: SynthFunction) -> dict[str, Any]:
        """What the function host needs besides the environment: its TLS, the Google clients' endpoint,
        the grants its SDK calls are checked against (the synthesized role or identity)."""

    def attach(self, run: LocalRun, function: SynthFunction, url: str) -> None:
        """Hand a started host to whatever invokes the function on this platform (by default nothing:
        its triggers reach the host on its own port)."""
        return None

    def entry_name(self, function: SynthFunction, invoked: str) -> str:
        """The name an invocation counts under (the runner's ROLES): module, entry point or function."""

    def bridge_token(self, run: LocalRun, environment: dict[str, str], secret: str) -> str:
        """The token a sender's setting names (`secret`), from this cloud's secret store stand-in."""

    def device_links(self, run: LocalRun, device_ids: list[str], deliver: Deliver) -> tuple[dict[str, Any], Callable[[], None]]:
        """Each device's connection to L1 on this cloud (`send(payload)`), its feedback to `deliver`;
        and what closes them all (twin_ops/local/devices.py)."""

    def advance(self, run: LocalRun, stack: str, offset: float) -> None:
        """Run what the stack schedules (TTL expiries, timers, scheduler jobs) with the clock `offset` seconds ahead."""

    def twin_row(self, run: LocalRun, expected: set[census.Identity]) -> Row:
        """Records readable through L4 on this cloud, read the way the twin's clients read it."""

    def dashboard_source(self, deployment: LocalDeployment, stack: str, platform: Any) -> Source:
        """The data source the L5 post-deploy step on this cloud would create, from the synthesized L5 stack."""


def local_cloud(provider: Provider) -> LocalCloud:
    cloud: LocalCloud = importlib.import_module(f"twin_ops.local.clouds.{CLOUDS[provider].runtime_package}").CLOUD
    return cloud
