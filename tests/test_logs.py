import io
import json
import logging

from camhealth.config import LoggingConfig
from camhealth.logs import redact, setup_logging


def test_redact_removes_url_userinfo_and_secret_pairs() -> None:
    text = redact("open rtsp://admin:Hunter2@10.0.0.1:554/x failed; password=Hunter2 key: abc")
    assert "Hunter2" not in text
    assert "abc" not in text
    assert "rtsp://***@10.0.0.1:554/x" in text


def test_json_lines_with_extra_fields_and_redaction() -> None:
    stream = io.StringIO()
    setup_logging(LoggingConfig(format="json"), stream)
    logging.getLogger("camhealth.test").warning(
        "probe of %s failed", "rtsp://u:p4ss@h/x", extra={"camera": "cam-1"}
    )
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "warning"
    assert entry["camera"] == "cam-1"
    assert entry["message"] == "probe of rtsp://***@h/x failed"


def test_text_format_when_asked() -> None:
    stream = io.StringIO()
    setup_logging(LoggingConfig(format="text"), stream)
    logging.getLogger("camhealth.test").error("token=abc123")
    line = stream.getvalue()
    assert "ERROR" in line
    assert "abc123" not in line
