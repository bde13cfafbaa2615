"""Every English text the console shows has its Chinese translation."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

import camhealth.exporter.web as web
from camhealth.exporter.web.exports import HEADERS
from camhealth.exporter.web.i18n import LABELS, ZH
from camhealth.exporter.web.listing import STATUSES
from camhealth.health.events import EventKind
from camhealth.health.indicators import CoverageReason, Indicator

WEB = Path(web.__file__).parent


def template_texts() -> set[str]:
    found: set[str] = set()
    for template in resources.files(web).joinpath("templates").iterdir():
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r"""\bt\(\s*["']([^"']+)["']\s*\)""", text))
        # texts passed to a macro or loop that calls t(...) on them
        found |= set(re.findall(r"""\(\s*"[a-z_]+",\s*"([A-Z][^"]+)"\s*\)""", text))
        for pair in re.findall(r"""uncovered\(\w+, "([^"]+)", "([^"]+)"\)""", text):
            found |= set(pair)
    return found


def python_texts() -> set[str]:
    """The login form's messages: ``_login_form(request, "message", status)``."""
    tree = ast.parse((WEB / "access.py").read_text(encoding="utf-8"))
    return {
        node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_login_form"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    }


def test_every_text_has_a_chinese_translation():
    texts = template_texts() | python_texts() | set(HEADERS)
    assert "Log in" in texts and "Wrong user name or password." in texts
    assert sorted(texts - ZH.keys()) == []


def test_every_domain_value_has_both_labels():
    values = [*Indicator, *CoverageReason, *STATUSES, *EventKind]
    assert sorted(str(v) for v in values if str(v) not in LABELS) == []
