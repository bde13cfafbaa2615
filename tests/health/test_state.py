"""Camera status from probe outcomes: confirmation, clearing, offline, maintenance, platform."""

from __future__ import annotations

from camhealth.config import HealthConfig
from camhealth.health.state import CameraState, StreamSize, step
from camhealth.probes.results import FailureCode, ProbeKind
from tests.health.state_helpers import CONFIG, failed, frames, kinds, minute, ok, run

F = FailureCode
K = ProbeKind


def test_a_camera_never_probed_is_unknown():
    state = CameraState("cam-1")
    assert not state.known
    assert (state.online.value, state.stream.value, state.intact.value) == (None, None, None)


def test_the_first_good_picture_decides_every_unknown_status():
    state, events = run([frames()])
    assert (state.online.value, state.stream.value, state.hd.value) == (True, True, True)
    assert state.intact.value is True and state.intact.since == minute(0)
    assert kinds(events) == ["came_online", "stream_playing", "became_hd", "became_intact"]
    assert all(e.first and not e.muted for e in events)


def test_a_fault_is_confirmed_by_the_second_bad_picture_and_dated_from_the_first():
    state, events = run([frames(), frames("blur")])
    assert state.confirmed_faults == () and state.intact.value is True
    state, events = run([frames("blur")], state, start=2)
    assert state.confirmed_faults == ("blur",)
    assert kinds(events) == ["became_not_intact", "fault_confirmed:blur"]
    confirmed = events[1]
    assert (confirmed.at, confirmed.since) == (minute(2), minute(1))
    assert confirmed.evidence.scores == (("blur", 2.5),)
    assert confirmed.evidence.snapshot == "snap-1"
    assert state.intact.since == minute(1)


def test_a_good_picture_between_bad_ones_restarts_the_count():
    state, events = run([frames(), frames("blur"), frames(), frames("blur")])
    assert state.confirmed_faults == ()
    assert kinds(events) == ["came_online", "stream_playing", "became_hd", "became_intact"]


def test_a_fault_clears_after_two_good_pictures():
    state, _ = run([frames(), frames("occlusion"), frames("occlusion")])
    state, events = run([frames()], state, start=3)
    assert state.confirmed_faults == ("occlusion",) and events == []
    state, events = run([frames()], state, start=4)
    assert state.confirmed_faults == () and state.faults == ()
    assert kinds(events) == ["became_intact", "fault_cleared:occlusion"]
    assert all(e.since == minute(3) for e in events)
    assert state.intact.since == minute(3)


def test_the_counts_come_from_the_configuration():
    config = HealthConfig(confirm_after=3, clear_after=1)
    state, _ = run([frames("frozen")] * 2, config=config)
    assert state.confirmed_faults == ()
    state, _ = run([frames("frozen")], state, config=config, start=2)
    assert state.confirmed_faults == ("frozen",)
    state, _ = run([frames()], state, config=config, start=3)
    assert state.confirmed_faults == ()


def test_a_failed_probe_is_no_picture_and_keeps_the_bad_streak():
    state, _ = run([frames(), frames("blank"), failed(K.frames, F.no_frames), frames("blank")])
    assert state.confirmed_faults == ("blank",)


def test_three_probes_without_an_answer_make_a_camera_offline_dated_from_the_first():
    state, _ = run([frames()])
    timeouts = [
        failed(K.rtsp, F.timeout),
        failed(K.onvif, F.refused),
        failed(K.rtsp, F.unreachable),
    ]
    state, events = run(timeouts[:2], state, start=1)
    assert state.online.value is True and events == []
    state, events = run(timeouts[2:], state, start=3)
    assert state.online.value is False and state.intact.value is False
    assert kinds(events) == ["went_offline", "became_not_intact"]
    assert all(e.since == minute(1) and e.at == minute(3) for e in events)
    assert events[0].evidence.failure is F.unreachable


def test_one_answer_brings_a_camera_back_online():
    state, _ = run([frames()] + [failed(K.rtsp, F.timeout)] * 3)
    state, events = run([ok(K.onvif)], state, start=4)
    assert state.online.value is True
    assert kinds(events) == ["came_online", "became_intact"]


def test_failures_that_come_from_the_camera_do_not_make_it_offline():
    answers = [failed(K.onvif, F.auth_failed), failed(K.rtsp, F.not_found)] * 3
    state, _ = run([frames(), *answers])
    assert state.online.value is True


def test_misses_between_answers_never_add_up_to_offline():
    state, _ = run(
        [frames()] + [failed(K.rtsp, F.timeout), failed(K.rtsp, F.timeout), ok(K.onvif)] * 4
    )
    assert state.online.value is True


def test_a_stream_that_stops_playing_is_confirmed_like_a_fault():
    state, _ = run([frames(), failed(K.frames, F.no_frames)])
    assert state.stream.value is True and state.intact.value is True
    state, events = run([failed(K.frames, F.decode_error)], state, start=2)
    assert (state.online.value, state.stream.value, state.intact.value) == (True, False, False)
    assert kinds(events) == ["stream_failed", "became_not_intact"]
    assert events[0].evidence.failure is F.decode_error


def test_a_first_failed_stream_is_decided_at_once():
    state, events = run([failed(K.frames, F.auth_failed)])
    assert (state.online.value, state.stream.value, state.intact.value) == (True, False, False)
    assert kinds(events) == ["came_online", "stream_failed", "became_not_intact"]


def test_resolution_is_a_fact_that_needs_no_confirmation():
    state, events = run([frames(), frames(width=704, height=576)])
    assert state.hd.value is False and (state.width, state.height) == (704, 576)
    assert kinds(events)[-1] == "became_not_hd"
    assert state.intact.value is True


def test_the_main_streams_parameter_sets_decide_hd_once_the_stream_plays():
    state, events = run([ok(K.rtsp, size=StreamSize(1920, 1080, hd=True))])
    assert state.hd.value is None and (state.width, state.height) == (1920, 1080)  # plays?
    state, events = run([ok(K.frames)], state, start=1)  # plays, picture not judged yet
    state, events = run([ok(K.rtsp, size=StreamSize(704, 576, hd=False))], state, start=2)
    assert kinds(events) == ["became_not_hd"] and state.hd.since == minute(2)
    state, events = run([failed(K.rtsp, F.timeout, size=StreamSize(1920, 1080, hd=True))], state)
    assert state.hd.value is False  # a failed probe read no parameter sets


def test_maintenance_mutes_events_but_never_makes_a_camera_intact():
    state, _ = run([frames()])
    state, events = run([frames("blur", in_maintenance=True)] * 2, state, start=1)
    assert state.intact.value is False and state.maintenance.value is True
    assert kinds(events) == ["maintenance_started", "became_not_intact", "fault_confirmed:blur"]
    assert all(e.muted for e in events)
    state, events = run([frames("blur")], state, start=3)
    assert kinds(events) == ["maintenance_ended"] and not events[0].muted


def test_a_platform_failure_while_the_camera_answers_is_platform_only():
    state, events = run([frames(), ok(K.platform)])
    assert state.networked.value is True and kinds(events)[-1] == "networked_verified"
    lost = [failed(K.platform, F.not_found, direct_ok=True)] * 2
    state, events = run(lost, state, start=2)
    assert state.networked.value is False and state.platform_only_failure
    assert kinds(events) == ["platform_only_failure"]
    assert state.intact.value is True  # the camera itself is fine


def test_a_platform_failure_with_the_camera_down_is_networked_lost():
    lost = [failed(K.platform, F.refused, direct_ok=False)] * 2
    state, events = run([frames(), ok(K.platform), *lost])
    assert state.networked.value is False and not state.platform_only_failure
    assert kinds(events)[-1] == "networked_lost"


def test_the_platform_comes_back_after_two_successes():
    lost = [failed(K.platform, F.timeout, direct_ok=True)] * 2
    state, _ = run([ok(K.platform), *lost, ok(K.platform)])
    assert state.networked.value is False and state.platform_only_failure
    state, events = run([ok(K.platform)], state, start=4)
    assert state.networked.value is True and not state.platform_only_failure
    assert kinds(events) == ["networked_verified"] and events[0].since == minute(3)


def test_platform_probes_say_nothing_about_reachability():
    state, _ = run([frames()] + [failed(K.platform, F.unreachable)] * 5)
    assert state.online.value is True


def test_a_steady_camera_produces_no_events():
    state, _ = run([frames()])
    for n in range(1, 5):
        state, events = step(state, frames(), CONFIG, minute(n))
        assert events == ()


def test_the_last_result_of_each_probe_is_kept():
    state, _ = run([ok(K.onvif), failed(K.rtsp, F.timeout), ok(K.onvif)])
    assert [(p.probe, p.at, p.failure) for p in state.probes] == [
        (K.onvif, minute(2), None),
        (K.rtsp, minute(1), F.timeout),
    ]


def test_intact_never_returns_to_unknown_once_decided():
    config = HealthConfig(offline_after=1)
    state, _ = run([failed(K.onvif, F.unreachable), ok(K.onvif)], config=config)
    assert state.online.value is True and state.stream.value is None
    assert state.intact.value is False  # not known to be intact: not intact
