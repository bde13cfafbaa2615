"""Prepared SOAP for the two per-minute ONVIF operations, and their replies read with lxml.

GetSystemDateAndTime and GetDeviceInformation have no arguments, so their envelopes are fixed
text; only the WS-Security UsernameToken (PasswordDigest: a fresh nonce, the creation time
shifted by the device's measured clock skew) is built per request. The bytes sent are the ones
onvif-zeep-async sends for these operations (``tests/probes/test_onvif_fast.py`` checks the
facts read agree with zeep's).

Replies are parsed as zeep is told to parse them (``onvif.SAFE_SETTINGS``): lxml recovering
from sloppy SOAP, with entities left unresolved, no network, no DTD loading and lxml's
huge-tree limits on; a reply carrying any DTD at all is refused, as zeep's ``forbid_dtd`` does.
The HTTP layer has already capped the reply's size.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from lxml import etree

from camhealth.probes.auth import Credentials
from camhealth.probes.wire import protocol_error

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TT = "http://www.onvif.org/ver10/schema"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_WSS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-"
_DIGEST_TYPE = _WSS + "wss-username-token-profile-1.0#PasswordDigest"
_BASE64_TYPE = _WSS + "soap-message-security-1.0#Base64Binary"
MAX_TEXT = 200  # characters kept of a fact (vendor, model, ...) or a fault's reason

_ENVELOPE = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    f'<soap-env:Envelope xmlns:soap-env="{SOAP_ENV}">{{header}}<soap-env:Body>'
    f'<ns0:{{operation}} xmlns:ns0="{TDS}"/></soap-env:Body></soap-env:Envelope>'
)
_SECURITY = (
    f'<soap-env:Header><wsse:Security xmlns:wsse="{_WSSE}"><wsse:UsernameToken>'
    "<wsse:Username>{username}</wsse:Username>"
    f'<wsse:Password Type="{_DIGEST_TYPE}">{{digest}}</wsse:Password>'
    f'<wsse:Nonce EncodingType="{_BASE64_TYPE}">{{nonce}}</wsse:Nonce>'
    f'<wsu:Created xmlns:wsu="{_WSU}">{{created}}</wsu:Created>'
    "</wsse:UsernameToken></wsse:Security></soap-env:Header>"
)

_CLOCK_FIELDS = tuple(
    f"{{{TT}}}{part}/{{{TT}}}{field}"
    for part, field in (("Date", "Year"), ("Date", "Month"), ("Date", "Day"),
                        ("Time", "Hour"), ("Time", "Minute"), ("Time", "Second"))
)  # fmt: skip

# zeep's parser settings (strict=False, forbid_dtd, forbid_entities, forbid_external).
_PARSER = etree.XMLParser(
    remove_comments=True,
    resolve_entities=False,
    recover=True,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
)


def request(operation: str, login: Credentials | None = None, skew: float = 0.0) -> bytes:
    """The envelope of an argument-less device-service ``operation``; WS-Security with a login.

    The token's Created time is our clock plus ``skew`` (the device's clock minus ours), so a
    device whose clock is off accepts it, as ONVIFCamera's ``adjust_time`` does.
    """
    header = "" if login is None else _security(login, skew)
    return _ENVELOPE.format(header=header, operation=operation).encode()


def _security(login: Credentials, skew: float) -> str:
    nonce = os.urandom(16)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + skew))
    # WS-Security UsernameToken profile: Base64(SHA-1(nonce + created + password)).
    sha1 = hashlib.sha1(nonce + created.encode() + (login.password or "").encode())  # noqa: S324
    return _SECURITY.format(
        username=escape(login.username or ""),
        digest=base64.b64encode(sha1.digest()).decode(),
        nonce=base64.b64encode(nonce).decode(),
        created=created,
    )


class SoapFault(Exception):
    """A SOAP 1.2 fault in a reply (or a 4xx/5xx without one: zeep's "Unknown fault")."""

    def __init__(self, code: str, subcodes: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.code, self.subcodes, self.reason = code, subcodes, reason


def not_authorized(code: object, subcodes: object, reason: object) -> bool:
    """ONVIF's ter:NotAuthorized, however a device spells it (zeep's fault or ours)."""
    text = f"{code} {subcodes} {reason}".lower()
    return "notauthorized" in text or "not authorized" in text or "sender not auth" in text


def body(reply: bytes, fault_expected: bool) -> etree._Element:
    """The first element in the reply's SOAP Body; a SoapFault when it is a fault.

    ``fault_expected`` is an HTTP 4xx/5xx status: its reply must be a fault.
    """
    try:
        root = etree.fromstring(reply, _PARSER)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise protocol_error("the SOAP reply is not XML")
    if root.getroottree().docinfo.doctype:
        raise protocol_error("the SOAP reply carries a DTD")
    found = root.find(f"{{{SOAP_ENV}}}Body")
    content = None if found is None else next(found.iterchildren(etree.Element), None)
    if content is not None and content.tag == f"{{{SOAP_ENV}}}Fault":
        raise _fault(content)
    if fault_expected:
        raise SoapFault("", (), "Unknown fault occured")
    if content is None:
        raise protocol_error("no SOAP 1.2 Body in the reply")
    return content


def _fault(fault: etree._Element) -> SoapFault:
    code = fault.find(f"{{{SOAP_ENV}}}Code")
    value = "" if code is None else code.findtext(f"{{{SOAP_ENV}}}Value") or ""
    subcodes: list[str] = []
    while code is not None and len(subcodes) < 8:
        code = code.find(f"{{{SOAP_ENV}}}Subcode")
        if code is not None:
            subcodes.append(code.findtext(f"{{{SOAP_ENV}}}Value") or "")
    reason = fault.findtext(f"{{{SOAP_ENV}}}Reason/{{{SOAP_ENV}}}Text") or ""
    return SoapFault(value.strip(), tuple(s.strip() for s in subcodes), reason.strip()[:MAX_TEXT])


def device_time(content: etree._Element) -> datetime:
    """The UTC time in a GetSystemDateAndTimeResponse (LocalDateTime when UTC is missing)."""
    if content.tag != f"{{{TDS}}}GetSystemDateAndTimeResponse":
        raise protocol_error("not a GetSystemDateAndTime reply")
    clock = content.find(f"{{{TDS}}}SystemDateAndTime/{{{TT}}}UTCDateTime")
    if clock is None:  # some devices only fill in LocalDateTime; treat it as UTC
        clock = content.find(f"{{{TDS}}}SystemDateAndTime/{{{TT}}}LocalDateTime")
    if clock is None:
        raise protocol_error("GetSystemDateAndTime without a time")
    try:
        year, month, day, hour, minute, second = (
            int(clock.findtext(path) or "") for path in _CLOCK_FIELDS
        )
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (ValueError, OverflowError):
        raise protocol_error("GetSystemDateAndTime with a malformed time") from None


def device_information(content: etree._Element) -> dict[str, str | None]:
    """Manufacturer, Model, FirmwareVersion and SerialNumber of a GetDeviceInformationResponse."""
    if content.tag != f"{{{TDS}}}GetDeviceInformationResponse":
        raise protocol_error("not a GetDeviceInformation reply")
    fields = ("Manufacturer", "Model", "FirmwareVersion", "SerialNumber")
    return {name: _text(content.findtext(f"{{{TDS}}}{name}")) for name in fields}


def _text(value: str | None) -> str | None:
    return value.strip()[:MAX_TEXT] if value is not None else None
