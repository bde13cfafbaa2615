"""Invariants of the state machine over arbitrary sequences of probe outcomes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.config import HealthConfig
from camhealth.health.events import EventKind
from camhealth.health.state import CameraState, Observation
from camhealth.probes.results import FailureCode, ProbeKind
from tests.health.state_helpers import FAULTS, failed, frames, ok, run

observations = st.one_of(
    st.builds(frames, st.sampled_from(FAULTS) | st.just("none")),
    st.builds(failed, st.sampled_from(list(ProbeKind)), st.sampled_from(list(FailureCode))),
    st.builds(ok, st.sampled_from(list(ProbeKind))),
    st.builds(frames, in_maintenance=st.booleans()),
)
configs = st.builds(
    HealthConfig,
    confirm_after=st.integers(1, 4),
    clear_after=st.integers(1, 4),
    offline_after=st.integers(1, 4),
)

K = EventKind
# Each event kind: the status it changes and whether it turns it on; statuses that start
# unknown (not faults, not maintenance) announce their first known value with ``first``.
DIRECTIONS = {
    K.came_online: ("online", True),
    K.went_offline: ("online", False),
    K.stream_playing: ("stream", True),
    K.stream_failed: ("stream", False),
    K.became_hd: ("hd", True),
    K.became_not_hd: ("hd", False),
    K.became_intact: ("intact", True),
    K.became_not_intact: ("intact", False),
    K.networked_verified: ("networked", True),
    K.networked_lost: ("networked", False),
    K.platform_only_failure: ("networked", False),
    K.fault_confirmed: ("fault", True),
    K.fault_cleared: ("fault", False),
    K.maintenance_started: ("maintenance", True),
    K.maintenance_ended: ("maintenance", False),
}


@settings(max_examples=100, deadline=None)
@given(st.lists(observations, max_size=40), configs)
def test_statuses_stay_consistent(sequence: list[Observation], config: HealthConfig):
    state, events = run(sequence, config=config)
    if state.intact.value:
        assert state.online.value and state.stream.value and not state.confirmed_faults
    if state.confirmed_faults or state.online.value is False or state.stream.value is False:
        assert state.intact.value is False
    assert all(e.since <= e.at for e in events)
    last: dict[str, bool] = {}
    for event in events:
        status, on = DIRECTIONS[event.kind]
        key = f"{status}:{event.fault}"
        assert last.get(key) != on, f"{event.kind} twice in a row"
        assert event.first == (key not in last and status not in ("fault", "maintenance"))
        last[key] = on


def _bad_runs(sequence: list[Observation], fault: str) -> list[int]:
    """Lengths of the runs of pictures showing ``fault``; failed probes are no pictures."""
    runs = [0]
    for obs in sequence:
        if obs.diagnosis is None or obs.failure is not None:
            continue
        bad = any(c.fault == fault and c.detected for c in obs.diagnosis.checks)
        runs.append(runs[-1] + 1 if bad else 0)
    return runs


@settings(max_examples=100, deadline=None)
@given(st.lists(observations, max_size=30), st.sampled_from(FAULTS), st.integers(1, 4))
def test_a_fault_is_confirmed_exactly_by_enough_bad_pictures_in_a_row(sequence, fault, needed):
    state, _ = run(sequence, config=HealthConfig(confirm_after=needed, clear_after=needed))
    runs = _bad_runs(sequence, fault)
    if fault in state.confirmed_faults:
        assert max(runs) >= needed
    if runs[-1] >= needed:
        assert fault in state.confirmed_faults


@settings(max_examples=60, deadline=None)
@given(st.lists(observations, max_size=30), configs, st.integers(0, 30))
def test_a_restart_anywhere_changes_nothing(sequence, config, cut):
    before, _ = run(sequence[:cut], config=config)
    restored = CameraState.from_dict(json.loads(json.dumps(before.to_dict())))
    assert restored == before
    rest = sequence[cut:]
    assert run(rest, restored, config, start=cut) == run(rest, before, config, start=cut)
