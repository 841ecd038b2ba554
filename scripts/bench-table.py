#!/usr/bin/env python3
"""Prints a markdown table of criterion medians from target/criterion (or $CARGO_TARGET_DIR).

Usage: scripts/bench-table.py [criterion-dir]
"""
import json
import os
import sys
from pathlib import Path

root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"


def fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


rows = []
for est in sorted(root.glob("**/new/estimates.json")):
    bench = est.parent.parent.relative_to(root).as_posix()
    data = json.loads(est.read_text())
    med = data["median"]
    rows.append((bench, med["point_estimate"], med["confidence_interval"]))

print("| benchmark | median | 95% CI |")
print("|---|---|---|")
for bench, m, ci in rows:
    print(f"| `{bench}` | {fmt(m)} | {fmt(ci['lower_bound'])} – {fmt(ci['upper_bound'])} |")
