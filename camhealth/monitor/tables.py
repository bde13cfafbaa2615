"""The indicators as a table for people: per district and for the city, rates and stars."""

from __future__ import annotations

from rich.table import Table

from camhealth.health.indicators import Indicator, IndicatorReport, Rate, ScopeIndicators

LABELS = {
    Indicator.hd_coverage: "HD coverage",
    Indicator.intactness: "intactness",
    Indicator.networking: "networking",
    Indicator.epolice_coverage: "e-police coverage",
}


def percent(ratio: float | None) -> str:
    return "no data" if ratio is None else f"{ratio:.1%}"


def rate_cell(rate: Rate) -> str:
    return f"{percent(rate.ratio)} ({rate.numerator}/{rate.denominator})"


def indicator_table(report: IndicatorReport) -> Table:
    """One row per district, then the city in bold; the city's stars under its rates."""
    table = Table("district", *LABELS.values(), title="Indicators")
    for scope in report.districts:
        table.add_row(scope.district, *_cells(scope))
    table.add_row("city", *_cells(report.city), style="bold")
    city = report.city
    table.add_row(
        "stars",
        f"L4P4 {city.l4p4_stars}",
        f"L4P4 {city.l4p4_stars}",
        f"L4P5 {city.l4p5_stars}",
        f"L4P6 {city.l4p6_stars}",
        style="bold",
    )
    return table


def _cells(scope: ScopeIndicators) -> list[str]:
    return [rate_cell(scope.rate(indicator)) for indicator in LABELS]
