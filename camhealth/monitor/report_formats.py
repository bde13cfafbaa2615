"""The assessment report written out: Markdown, CSV, XLSX, or HTML with the evidence pictures.

Every format shows the same tables (``tables``); HTML adds each camera's evidence picture inline
(base64 JPEG), so the file can be mailed as it is.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from jinja2 import Environment, select_autoescape
from openpyxl import Workbook

from camhealth.health.indicators import Indicator
from camhealth.health.timeline import HOUR, WeightedRate
from camhealth.monitor.report import Report, ScopeRates
from camhealth.monitor.tables import LABELS, percent

Format = Literal["md", "csv", "xlsx", "html"]


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[object]]


def _rate(rate: WeightedRate) -> str:
    return percent(rate.ratio)


def _stars(scope: ScopeRates) -> tuple[int, int, int]:
    return (
        scope.l4p4_stars,
        scope.rates[Indicator.networking].stars,
        scope.rates[Indicator.epolice_coverage].stars,
    )


def title(report: Report) -> str:
    where = report.district or "the whole city"
    return (
        f"Assessment report {report.period.start:%Y-%m-%d} to {report.period.end:%Y-%m-%d}, {where}"
    )


def tables(report: Report) -> list[Section]:
    scope = report.scope
    indicators: list[tuple[object, ...]] = [
        (
            label,
            _rate(scope.rates[i]),
            scope.rates[i].stars,
            round(scope.rates[i].data_seconds / HOUR, 1),
        )
        for i, label in LABELS.items()
    ]
    l4p4, l4p5, l4p6 = _stars(scope)
    indicators += [
        ("L4P4 stars", "", l4p4, ""),
        ("L4P5 stars", "", l4p5, ""),
        ("L4P6 stars", "", l4p6, ""),
    ]
    districts = [
        (d.district or "", *(_rate(d.rates[i]) for i in LABELS), *_stars(d))
        for d in report.districts
    ]
    uncovered = [
        (
            u.area.id,
            u.area.name,
            u.area.district,
            round(u.uncovered_hours, 2),
            f"{u.share:.1%}",
            u.now.cameras,
            u.now.candidates,
            u.now.reason.value if u.now.reason else "covered",
        )
        for u in report.uncovered
    ]
    cameras = [
        (
            d.camera.id,
            d.camera.name,
            d.area.name if d.area else d.camera.area_id,
            d.area.district if d.area else "",
            round(d.uptime.downtime_hours, 2),
            round(d.uptime.intact_hours, 2),
            d.uptime.outages,
            ", ".join(d.faults),
        )
        for d in report.cameras
    ]
    return [
        Section(
            "Indicators (time-weighted)",
            ("indicator", "value", "stars", "hours recorded"),
            indicators,
        ),
        Section("Per district", ("district", *LABELS.values(), "L4P4", "L4P5", "L4P6"), districts),
        Section(
            "Key areas without HD coverage",
            (
                "area",
                "name",
                "district",
                "uncovered h",
                "of the period",
                "cameras",
                "HD cameras now",
                "now",
            ),
            uncovered,
        ),
        Section(
            "Cameras not intact",
            ("camera", "name", "area", "district", "downtime h", "intact h", "outages", "faults"),
            cameras,
        ),
    ]


def render(report: Report, fmt: Format, pictures: dict[str, bytes]) -> bytes:
    if fmt == "md":
        return _markdown(report).encode()
    if fmt == "csv":
        return _csv(report).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if fmt == "xlsx":
        return _xlsx(report)
    return _html(report, pictures).encode()


def _markdown(report: Report) -> str:
    lines = [f"# {title(report)}", ""]
    for section in tables(report):
        lines += [f"## {section.title}", ""]
        if not section.rows:
            lines += ["(none)", ""]
            continue
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + "---|" * len(section.header))
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for section in tables(report):
        writer.writerow([section.title])
        writer.writerow(section.header)
        writer.writerows(section.rows)
        writer.writerow([])
    return out.getvalue()


def _xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for section in tables(report):
        sheet = book.create_sheet(section.title[:31])  # Excel's limit on sheet names
        sheet.append(section.header)
        for row in section.rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}img{width:240px}</style></head>
<body><h1>{{ title }}</h1>
{% for section, images in sections %}<h2>{{ section.title }}</h2>
{% if section.rows %}<table>
<tr>{% for h in section.header %}<th>{{ h }}</th>{% endfor %}
{% if images %}<th>evidence</th>{% endif %}</tr>
{% for row in section.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}
{% if images %}<td>{% if images[loop.index0] %}
<img alt="evidence" src="data:image/jpeg;base64,{{ images[loop.index0] }}">
{% endif %}</td>{% endif %}
</tr>{% endfor %}</table>{% else %}<p>(none)</p>{% endif %}
{% endfor %}<p>Made {{ made_at }}.</p></body></html>
"""
_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _html(report: Report, pictures: dict[str, bytes]) -> str:
    images = [
        base64.b64encode(pictures[d.evidence]).decode() if d.evidence in pictures else ""
        for d in report.cameras
    ]
    sections = tables(report)
    with_images = [(section, images if section is sections[-1] else None) for section in sections]
    return _ENV.from_string(_HTML).render(
        title=title(report),
        sections=with_images,
        images=images,
        made_at=f"{report.made_at:%Y-%m-%d %H:%M} UTC",
    )
