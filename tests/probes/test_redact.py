from hypothesis import given
from hypothesis import strategies as st

from camhealth.probes.redact import redact, redact_url


def test_userinfo_is_masked() -> None:
    assert redact_url("rtsp://admin:s3cret@10.0.0.5:554/x") == "rtsp://***@10.0.0.5:554/x"
    assert redact_url("http://user@h/onvif") == "http://***@h/onvif"


def test_urls_without_userinfo_are_unchanged() -> None:
    url = "rtsp://10.0.0.5/Streaming/Channels/101?user=x"
    assert redact_url(url) == url


def test_url_inside_a_sentence() -> None:
    text = "cannot connect to rtsp://a:b@h/1: refused; retried rtsp://c:d@h/2"
    assert redact(text) == "cannot connect to rtsp://***@h/1: refused; retried rtsp://***@h/2"


def test_known_secrets_are_masked_anywhere() -> None:
    assert redact("server said: bad password hunter2!", ["hunter2", None]) == (
        "server said: bad password ***!"
    )


password = st.text(
    alphabet=st.characters(blacklist_characters="/@ *\n", min_codepoint=33), min_size=3
)


@given(user=st.text(alphabet="abcxyz09", min_size=1), pw=password)
def test_password_never_survives(user: str, pw: str) -> None:
    text = f"error at rtsp://{user}:{pw}@camera.local/live (pw {pw})"
    assert pw not in redact(text, [pw])


def test_password_with_at_sign() -> None:
    assert "p@ss" not in redact("rtsp://u:p@ss@h/x failed", ["p@ss"])
