"""Score the picture diagnosis on the generated evaluation set.

    uv run python bench/quality/evaluate.py [--split holdout|eval|tune] [--no-reference]
        [--values FILE]

Prints, for each fault, precision, recall and F1 over the moderate and severe cases, the macro
F1, the recall on mild cases (for information), and the false-alarm rate on healthy pictures
(hard negatives included) with the faults they raised.  Mild cases are not counted as false
alarms either way: a mild fault may or may not deserve an alarm.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import cv2

from camhealth.health.quality import FrameDiagnosis, ImageFault, diagnose
from camhealth.health.sequence import Sample, sample_of
from camhealth.health.thresholds import QualityThresholds
from camhealth.health.views import views

HERE = Path(__file__).parent


def load(path: Path):
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return image


def run_case(
    folder: Path, case: dict, thresholds: QualityThresholds, use_reference: bool
) -> FrameDiagnosis:
    previous: Sample = sample_of(views(load(folder / case["previous"])))
    reference = sample_of(views(load(folder / case["reference"]))) if use_reference else None
    return diagnose(
        load(folder / case["current"]), thresholds, previous=previous, reference=reference
    )


def score(cases: list[dict], found: list[set[str]]) -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    mild: Counter[str] = Counter()
    mild_found: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    healthy = raised = 0
    for case, faults in zip(cases, found, strict=True):
        label, level = case["fault"], case["level"]
        if label is None:
            healthy += 1
            raised += bool(faults)
            alarms.update(f"{f} on {case['kind']}" for f in faults)
        if level == "mild":
            mild[label] += 1
            mild_found[label] += label in faults
            continue
        for fault in ImageFault:
            hit = fault.value in faults
            if fault.value == label:
                counts[fault]["tp" if hit else "fn"] += 1
            elif hit and fault.value not in case["also"]:
                counts[fault]["fp"] += 1
    f1s = []
    print(f"{'fault':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'cases':>7}{'mild recall':>13}")
    for fault in ImageFault:
        tp, fp, fn = counts[fault]["tp"], counts[fault]["fp"], counts[fault]["fn"]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        mild_text = f"{mild_found[fault.value]}/{mild[fault.value]}" if mild[fault.value] else "-"
        print(
            f"{fault.value:<14}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}"
            f"{tp + fn:>7}{mild_text:>13}"
        )
    print(f"macro F1 (moderate+severe): {sum(f1s) / len(f1s):.3f}")
    print(f"false alarms on healthy pictures: {raised}/{healthy} = {raised / max(healthy, 1):.2%}")
    for what, count in alarms.most_common():
        print(f"  {count} x {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="eval")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--no-reference", action="store_true", help="diagnose without reference")
    parser.add_argument("--values", type=Path, help="write every case's measure values as CSV")
    args = parser.parse_args()
    folder = args.data or HERE / "data" / args.split
    cases = json.loads((folder / "manifest.json").read_text())
    thresholds = QualityThresholds()
    results = [run_case(folder, case, thresholds, not args.no_reference) for case in cases]
    score(cases, [{f.value for f in r.faults} for r in results])
    print(f"upscaled evidence on {sum(r.upscaled for r in results)}/{len(results)} pictures")
    if args.values:
        with args.values.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["id", "kind", "fault", "level", "found", *[f.value for f in ImageFault]]
            )
            for case, r in zip(cases, results, strict=True):
                values = [c.value for c in r.checks]
                found = "+".join(f.value for f in r.faults)
                writer.writerow(
                    [case["id"], case["kind"], case["fault"], case["level"], found, *values]
                )


if __name__ == "__main__":
    main()
