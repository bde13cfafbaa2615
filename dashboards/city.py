"""City overview: the four rates against their 80/90/100% lines, stars, districts, trends."""

from __future__ import annotations

from dashboards.grafana import (
    RATE_STEPS,
    STAR_MAPPINGS,
    Json,
    dashboard,
    panel,
    query,
    rate_stat,
    rate_trend,
    row,
    variable,
)

RATES = (
    ("hd_coverage", "HD coverage of key areas (L4P4)"),
    ("intactness", "Intact cameras in key areas (L4P4)"),
    ("networking", "Networked cameras (L4P5)"),
    ("epolice_coverage", "E-police coverage of intersections (L4P6)"),
)


def build() -> Json:
    panels = [
        row("City"),
        *[
            rate_stat(title, f'city:camhealth_indicator:ratio{{indicator="{name}"}}', 6)
            for name, title in RATES
        ],
        _stars(),
        _key_area_counts(),
        row("Districts"),
        _district_table(),
        row("Trends"),
        rate_trend(
            "City rates", [query("city:camhealth_indicator:ratio", "{{indicator}}")], (12, 9)
        ),
        rate_trend(
            "District rates",
            [
                query(
                    'district:camhealth_indicator:ratio{district=~"$district"}',
                    "{{district}} {{indicator}}",
                )
            ],
            (12, 9),
        ),
    ]
    district = variable("district", "District", "district:camhealth_indicator:ratio, district")
    return dashboard("camhealth-city", "camhealth: city overview", panels, (district,))


def _stars() -> Json:
    return panel(
        "stat",
        "Stars reached",
        [query("city:camhealth_indicator:stars", "{{indicator}}")],
        (12, 5),
        mappings=STAR_MAPPINGS,
        description="L4P4 needs both HD coverage and intactness at the level.",
        options={"colorMode": "value", "graphMode": "none", "textMode": "value_and_name"},
    )


def _key_area_counts() -> Json:
    return panel(
        "stat",
        "Key areas and intersections",
        [
            query("sum(camhealth_key_areas)", "key areas"),
            query("sum(camhealth_key_areas) - sum(camhealth_key_areas_hd_covered)", "uncovered"),
            query("sum(camhealth_intersections)", "intersections"),
            query(
                "sum(camhealth_intersections) - sum(camhealth_intersections_epolice_covered)",
                "without e-police",
            ),
        ],
        (12, 5),
        options={"colorMode": "value", "graphMode": "none", "textMode": "value_and_name"},
    )


def _district_table() -> Json:
    """One row per district, one column per rate, cells coloured by the star levels."""
    return panel(
        "table",
        "Rates by district",
        [query('district:camhealth_indicator:ratio{district=~"$district"}', table=True)],
        (24, 9),
        unit="percentunit",
        steps=RATE_STEPS,
        custom={"cellOptions": {"type": "color-background"}},
        transformations=[
            {
                "id": "groupingToMatrix",
                "options": {
                    "columnField": "indicator",
                    "rowField": "district",
                    "valueField": "Value",
                },
            }
        ],
    )
