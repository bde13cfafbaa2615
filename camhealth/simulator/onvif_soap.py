"""SOAP 1.2 for the simulated ONVIF services: safe request parsing, WS-Security, envelopes, faults.

Requests are parsed without DTDs, entity expansion or network access (the defusedxml rules), so a
hostile client cannot make a simulated camera expand an entity bomb. Replies are built from text
templates: a camera answers thousands of requests and the templates are cheap and easy to read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_TOKEN_PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"  # noqa: S105 - a URI
)
PASSWORD_DIGEST = _TOKEN_PROFILE + "#PasswordDigest"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TRT = "http://www.onvif.org/ver10/media/wsdl"
TT = "http://www.onvif.org/ver10/schema"
TER = "http://www.onvif.org/ver10/error"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_REQUEST_BYTES = 64 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
)


class SoapFault(Exception):
    """A SOAP 1.2 fault: ``code`` is Sender or Receiver, ``subcode`` an ONVIF ``ter:`` name."""

    def __init__(self, code: str, subcode: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason

    @property
    def http_status(self) -> int:
        # SOAP 1.2 HTTP binding: the sender's fault is a 400, the receiver's a 500.
        return 400 if self.code == "Sender" else 500


def not_authorized() -> SoapFault:
    return SoapFault("Sender", "NotAuthorized", "Sender not authorized")


@dataclass(frozen=True)
class UsernameToken:
    username: str
    password: str  # the digest (Base64) or the plain text, as sent
    digest: bool
    nonce: bytes
    created: str

    def matches(self, username: str, password: str) -> bool:
        """WS-Security UsernameToken: Base64(SHA1(nonce + created + password)) or plain text."""
        if not hmac.compare_digest(self.username.encode(), username.encode()):
            return False
        if not self.digest:
            return hmac.compare_digest(self.password.encode(), password.encode())
        sha1 = hashlib.sha1(self.nonce + self.created.encode() + password.encode())  # noqa: S324 - the WS-Security profile
        expected = base64.b64encode(sha1.digest())
        return hmac.compare_digest(expected, self.password.encode())


@dataclass(frozen=True)
class SoapRequest:
    namespace: str  # of the operation, e.g. TDS
    operation: str  # local name of the Body's first element, e.g. GetProfiles
    body: etree._Element
    token: UsernameToken | None

    def text(self, local_name: str) -> str | None:
        """Text of the first descendant of the operation element with this local name."""
        found = self.body.xpath(f".//*[local-name()='{local_name}']")
        return found[0].text.strip() if found and found[0].text else None


def parse_request(data: bytes) -> SoapRequest:
    """The operation and credentials of a SOAP request; a SoapFault (Sender) when malformed."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise SoapFault("Sender", "WellFormed", "XML well-formedness violation") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise SoapFault("Sender", "WellFormed", "DTDs are not accepted")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if etree.QName(root).namespace != SOAP_ENV or body is None or len(body) == 0:
        raise SoapFault("Sender", "Namespace", "not a SOAP 1.2 envelope with a body")
    operation = etree.QName(body[0])
    return SoapRequest(
        namespace=operation.namespace or "",
        operation=operation.localname,
        body=body[0],
        token=_username_token(root),
    )


_TOKEN = f"{{{WSSE}}}UsernameToken"
_SECURITY_PATH = (f"{{{WSSE}}}Security", f"{{{SOAP_ENV}}}Header", f"{{{SOAP_ENV}}}Envelope")


def _username_token(root: etree._Element) -> UsernameToken | None:
    """The Header/Security/UsernameToken; its children read in one pass (ElementPath
    look-ups per field cost more than the whole parse)."""
    token = next(root.iter(_TOKEN), None)
    if token is None or tuple(a.tag for a in token.iterancestors()) != _SECURITY_PATH:
        return None
    fields = {child.tag: child for child in token}
    password = fields.get(f"{{{WSSE}}}Password")
    nonce = _field_text(fields, f"{{{WSSE}}}Nonce")
    try:
        nonce_bytes = base64.b64decode(nonce, validate=True)
    except ValueError:
        raise SoapFault("Sender", "InvalidArgVal", "the nonce is not Base64") from None
    return UsernameToken(
        username=_field_text(fields, f"{{{WSSE}}}Username"),
        password=(password.text or "") if password is not None else "",
        digest=password is not None and password.get("Type") == PASSWORD_DIGEST,
        nonce=nonce_bytes,
        created=_field_text(fields, f"{{{WSU}}}Created"),
    )


def _field_text(fields: dict[str, etree._Element], tag: str) -> str:
    found = fields.get(tag)
    return (found.text or "") if found is not None else ""


_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:tds="{TDS}" xmlns:trt="{TRT}" xmlns:tt="{TT}" '
    f'xmlns:ter="{TER}"><s:Body>{{}}</s:Body></s:Envelope>'
)


def envelope(body: str) -> bytes:
    return _ENVELOPE.format(body).encode()


def fault_envelope(fault: SoapFault) -> bytes:
    return envelope(
        f"<s:Fault><s:Code><s:Value>s:{fault.code}</s:Value>"
        f"<s:Subcode><s:Value>ter:{fault.subcode}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en">{escape(fault.reason)}</s:Text></s:Reason></s:Fault>'
    )


def element(name: str, value: object) -> str:
    """``<name>value</name>`` with the value escaped; booleans in xs:boolean spelling."""
    text = str(value).lower() if isinstance(value, bool) else escape(str(value))
    return f"<{name}>{text}</{name}>"
