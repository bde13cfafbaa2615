"""Write the dashboards' JSON into dashboards/json/, or check that it is up to date.

uv run python -m dashboards.generate           # regenerate after changing the code
uv run python -m dashboards.generate --check   # exit 1 if the committed JSON differs
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from dashboards import camera, city, faults, monitor
from dashboards.grafana import Json

OUT = Path(__file__).parent / "json"
BUILDERS: tuple[Callable[[], Json], ...] = (city.build, faults.build, camera.build, monitor.build)


def render() -> dict[str, str]:
    """Each dashboard's file name and its JSON text, as committed."""
    rendered = {}
    for build in BUILDERS:
        board = build()
        rendered[f"{board['uid']}.json"] = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
    return rendered


def stale(out: Path = OUT) -> list[str]:
    """Names of files in ``out`` that differ from the code's output, are missing or are extra."""
    wanted = render()
    present = {path.name for path in out.glob("*.json")}
    differ = [
        name
        for name, text in wanted.items()
        if not (out / name).exists() or (out / name).read_text(encoding="utf-8") != text
    ]
    return sorted({*differ, *(present - wanted.keys())})


def main() -> None:
    if sys.argv[1:] == ["--check"]:
        outdated = stale()
        if outdated:
            sys.exit(f"out of date, run `python -m dashboards.generate`: {', '.join(outdated)}")
        return
    OUT.mkdir(exist_ok=True)
    for path in OUT.glob("*.json"):
        path.unlink()
    for name, text in render().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
