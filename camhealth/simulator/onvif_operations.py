"""The replies of the simulated ONVIF device (tds) and media (trt) services, one function each.

Every function takes the camera and the parsed request and returns the Body's content; the server
wraps it in an envelope. Element order follows onvif.xsd, because zeep parses strictly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from camhealth.simulator.camera import MAIN_PATH, SUB_PATH, Codec, SimCamera, StreamSpec
from camhealth.simulator.clips import stream_spec
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_soap import TDS, TRT, SoapFault, SoapRequest, element

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
SNAPSHOT_PATH = "/onvif/snapshot/{token}.jpg"  # an aiohttp route and a format string
MAIN_TOKEN = "Profile_1"  # noqa: S105 - a profile token, not a password
SUB_TOKEN = "Profile_2"  # noqa: S105 - a profile token, not a password
LOCAL_OFFSET = timedelta(hours=8)  # the cameras stand in a Chinese city (CST-8)

Operation = Callable[[SimCamera, SoapRequest, datetime], str]


def serial_number(camera: SimCamera) -> str:
    """The camera's serial; a replaced camera is another device, so it reports another serial."""
    base = camera.serial or _hex(camera.id)
    return _hex(base + "/replaced") if camera.faults.has(Fault.replaced) else base


def _hex(text: str) -> str:
    return "SC" + hashlib.sha1(text.encode()).hexdigest()[:14].upper()  # noqa: S324 - not security


def _base(camera: SimCamera) -> str:
    return f"http://{camera.host}:{camera.onvif_port}"


# Pre-rendered: the clock is asked once a minute per camera, 333 times a second in a 20,000 fleet.
_DATE_TIME = (
    "<tt:{name}><tt:Time><tt:Hour>{t.hour}</tt:Hour><tt:Minute>{t.minute}</tt:Minute>"
    "<tt:Second>{t.second}</tt:Second></tt:Time><tt:Date><tt:Year>{t.year}</tt:Year>"
    "<tt:Month>{t.month}</tt:Month><tt:Day>{t.day}</tt:Day></tt:Date></tt:{name}>"
)
_TIME_REPLY = (
    "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
    "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
    "<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone>{utc}{local}"
    "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
)


def get_system_date_and_time(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    clock = now
    if camera.faults.has(Fault.clock_skew):
        clock = now + timedelta(seconds=camera.faults.clock_skew_seconds)
    return _TIME_REPLY.format(
        utc=_DATE_TIME.format(name="UTCDateTime", t=clock),
        local=_DATE_TIME.format(name="LocalDateTime", t=clock + LOCAL_OFFSET),
    )


def get_device_information(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    return (
        "<tds:GetDeviceInformationResponse>"
        f"{element('tds:Manufacturer', camera.vendor)}{element('tds:Model', camera.model)}"
        f"{element('tds:FirmwareVersion', camera.firmware)}"
        f"{element('tds:SerialNumber', serial_number(camera))}"
        f"{element('tds:HardwareId', '88')}</tds:GetDeviceInformationResponse>"
    )


def get_capabilities(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    base = _base(camera)
    return (
        "<tds:GetCapabilitiesResponse><tds:Capabilities>"
        f"<tt:Device>{element('tt:XAddr', base + DEVICE_PATH)}</tt:Device>"
        f"<tt:Media>{element('tt:XAddr', base + MEDIA_PATH)}<tt:StreamingCapabilities>"
        "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
        "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
        "</tds:Capabilities></tds:GetCapabilitiesResponse>"
    )


def get_services(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    base = _base(camera)
    services = "".join(
        f"<tds:Service>{element('tds:Namespace', namespace)}{element('tds:XAddr', base + path)}"
        "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
        for namespace, path in ((TDS, DEVICE_PATH), (TRT, MEDIA_PATH))
    )
    return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"


def _profiles(camera: SimCamera) -> list[tuple[str, str, StreamSpec, str]]:
    """(token, name, stream, RTSP path) of the main and the sub profile."""
    return [
        (MAIN_TOKEN, "mainStream", stream_spec(camera, "main"), MAIN_PATH),
        (SUB_TOKEN, "subStream", stream_spec(camera, "sub"), SUB_PATH),
    ]


_MULTICAST_OFF = (
    "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address>"
    "</tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart>"
    "</tt:Multicast>"
)


def _encoder(token: str, stream: StreamSpec) -> str:
    h264 = stream.codec is Codec.h264
    bitrate = max(256, stream.width * stream.height // 512)  # kbit/s, about what cameras use
    h264_settings = (
        f"<tt:H264>{element('tt:GovLength', round(stream.fps * stream.gop_seconds))}"
        "<tt:H264Profile>Main</tt:H264Profile></tt:H264>"
    )
    return (
        f"<tt:Name>VideoEncoder_{token}</tt:Name><tt:UseCount>1</tt:UseCount>"
        f"{element('tt:Encoding', 'H264' if h264 else 'H265')}"
        f"<tt:Resolution>{element('tt:Width', stream.width)}{element('tt:Height', stream.height)}"
        "</tt:Resolution><tt:Quality>3</tt:Quality><tt:RateControl>"
        f"{element('tt:FrameRateLimit', stream.fps)}<tt:EncodingInterval>1</tt:EncodingInterval>"
        f"{element('tt:BitrateLimit', bitrate)}</tt:RateControl>"
        f"{h264_settings if h264 else ''}{_MULTICAST_OFF}"
        "<tt:SessionTimeout>PT60S</tt:SessionTimeout>"
    )


def get_profiles(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    main = stream_spec(camera, "main")
    profiles = "".join(
        f'<trt:Profiles token="{token}" fixed="true">{element("tt:Name", name)}'
        '<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSource_1</tt:Name>'
        "<tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>"
        f'<tt:Bounds x="0" y="0" width="{main.width}" height="{main.height}"/>'
        f'</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="VideoEncoder_{token}">'
        f"{_encoder(token, stream)}</tt:VideoEncoderConfiguration></trt:Profiles>"
        for token, name, stream, _ in _profiles(camera)
    )
    return f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"


def get_video_encoder_configurations(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    configurations = "".join(
        f'<trt:Configurations token="VideoEncoder_{token}">{_encoder(token, stream)}'
        "</trt:Configurations>"
        for token, _, stream, _ in _profiles(camera)
    )
    return (
        "<trt:GetVideoEncoderConfigurationsResponse>"
        f"{configurations}</trt:GetVideoEncoderConfigurationsResponse>"
    )


def _profile_token(camera: SimCamera, request: SoapRequest) -> tuple[str, str]:
    """(token, RTSP path) of the requested profile, a Sender fault for an unknown one."""
    token = request.text("ProfileToken")
    for known, _, _, path in _profiles(camera):
        if token == known:
            return known, path
    raise SoapFault("Sender", "InvalidArgVal", "the profile does not exist")


def _media_uri(operation: str, uri: str) -> str:
    return (
        f"<trt:{operation}Response><trt:MediaUri>{element('tt:Uri', uri)}"
        "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
        f"</trt:MediaUri></trt:{operation}Response>"
    )


def get_stream_uri(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    _, path = _profile_token(camera, request)
    return _media_uri("GetStreamUri", f"rtsp://{camera.host}:{camera.rtsp_port}{path}")


def get_snapshot_uri(camera: SimCamera, request: SoapRequest, now: datetime) -> str:
    token, _ = _profile_token(camera, request)
    return _media_uri("GetSnapshotUri", _base(camera) + SNAPSHOT_PATH.format(token=token))


OPERATIONS: dict[tuple[str, str], Operation] = {
    (TDS, "GetSystemDateAndTime"): get_system_date_and_time,
    (TDS, "GetDeviceInformation"): get_device_information,
    (TDS, "GetCapabilities"): get_capabilities,
    (TDS, "GetServices"): get_services,
    (TRT, "GetProfiles"): get_profiles,
    (TRT, "GetStreamUri"): get_stream_uri,
    (TRT, "GetSnapshotUri"): get_snapshot_uri,
    (TRT, "GetVideoEncoderConfigurations"): get_video_encoder_configurations,
}

# ONVIF Core's default access policy: these answer without credentials on a conforming device.
PRE_AUTH = frozenset({"GetSystemDateAndTime", "GetCapabilities", "GetServices"})


def snapshot_size(camera: SimCamera, token: str) -> StreamSpec | None:
    for known, _, stream, _ in _profiles(camera):
        if known == token:
            return stream
    return None


def now_utc() -> datetime:
    return datetime.now(UTC)
