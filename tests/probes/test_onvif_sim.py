"""The onvif probe against the simulator's ONVIF device and media services."""

from __future__ import annotations

import pytest

from camhealth.probes.auth import Credentials
from camhealth.probes.onvif import OnvifClients, probe_onvif
from camhealth.probes.results import FailureCode
from camhealth.probes.steps import Target
from camhealth.simulator.faults import Fault
from tests.probes.conftest import Sim


def onvif_target(sim: Sim, seconds: float = 3.0, password: str | None = None) -> Target:
    creds = Credentials(sim.camera.username, password or sim.camera.password)
    return Target(sim.onvif_url, creds, seconds, name=sim.camera.id)


async def test_identity_and_clock(sim: Sim, clients: OnvifClients) -> None:
    result = await probe_onvif(onvif_target(sim), clients)
    assert result.ok, result.detail
    device = result.device
    assert device is not None
    assert (device.vendor, device.model, device.firmware) == ("Simcam", "SC-2000", "V5.7.3")
    assert device.serial
    assert device.clock_skew_seconds is not None and abs(device.clock_skew_seconds) < 2
    assert [p.name for p in result.phases] == ["time", "device_info"]


async def test_clock_skew_is_measured(sim: Sim, clients: OnvifClients) -> None:
    sim.fault(Fault.clock_skew)
    sim.camera.faults.clock_skew_seconds = 40.0
    result = await probe_onvif(onvif_target(sim), clients)
    assert result.ok, result.detail  # WS-Security still works: the token follows the skew
    assert result.device is not None
    assert result.device.clock_skew_seconds == pytest.approx(40.0, abs=1.5)


async def test_discovery_finds_main_and_sub(sim: Sim, clients: OnvifClients) -> None:
    result = await probe_onvif(onvif_target(sim), clients, discover=True)
    assert result.ok, result.detail
    assert result.device is not None
    uris = result.device.stream_uris
    assert len(uris) == 2 and uris[0].endswith("/101") and uris[1].endswith("/102")


async def test_ws_security_demanded_for_the_time(sim: Sim, clients: OnvifClients) -> None:
    sim.fault(Fault.onvif_auth_always)
    result = await probe_onvif(onvif_target(sim), clients)
    assert result.ok, result.detail
    assert result.device is not None and result.device.clock_skew_seconds is not None


async def test_replaced_camera_has_a_new_serial(sim: Sim, clients: OnvifClients) -> None:
    before = await probe_onvif(onvif_target(sim), clients)
    sim.fault(Fault.replaced)
    after = await probe_onvif(onvif_target(sim), clients)
    assert before.device and after.device and before.device.serial != after.device.serial


@pytest.mark.parametrize(
    ("fault", "failure"),
    [
        (Fault.auth_failed, FailureCode.auth_failed),
        (Fault.garbage_soap, FailureCode.protocol_error),
        (Fault.xml_bomb, FailureCode.protocol_error),
        (Fault.huge_headers, FailureCode.protocol_error),
        (Fault.hung, FailureCode.timeout),
    ],
)
async def test_onvif_faults(
    sim: Sim, clients: OnvifClients, fault: Fault, failure: FailureCode
) -> None:
    sim.fault(fault)
    result = await probe_onvif(onvif_target(sim, seconds=1.0), clients)
    assert result.failure == failure, result.detail
    assert result.duration < 1.5


async def test_wrong_password(sim: Sim, clients: OnvifClients) -> None:
    result = await probe_onvif(onvif_target(sim, password="not-the-password"), clients)
    assert result.failure == FailureCode.auth_failed
    assert "not-the-password" not in result.detail


async def test_closed_port(clients: OnvifClients) -> None:
    result = await probe_onvif(Target("http://127.0.0.1:1/onvif/device_service"), clients)
    assert result.failure == FailureCode.refused


async def test_clock_only_probe_leaves_the_identity_out(sim: Sim, clients: OnvifClients) -> None:
    result = await probe_onvif(onvif_target(sim), clients, identify=False)
    assert result.ok, result.detail
    assert [p.name for p in result.phases] == ["time"]
    assert result.device is not None and result.device.serial is None
    assert result.device.clock_skew_seconds is not None


async def test_discovery_asks_the_identity_too(sim: Sim, clients: OnvifClients) -> None:
    result = await probe_onvif(onvif_target(sim), clients, discover=True, identify=False)
    assert result.ok, result.detail
    assert result.device is not None and result.device.serial == sim.camera.serial
