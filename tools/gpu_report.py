"""Group a pytest JUnit report's failures by cause: ``python tools/gpu_report.py junit.xml``.

Issue 19's device time is minutes: the suite on CuPy runs once, and its failures are fixed on
the CPU afterwards. This prints the totals, then one group per (exception line, deepest frame
inside ``src/deepgrad``), largest first, each with its count and a few test ids; with
``--ids FILE`` it also writes every failing test id, one per line (for ``pytest @FILE``-style
reruns).
"""

from __future__ import annotations

import argparse
import collections
import re
import xml.etree.ElementTree as ET

_FRAME = re.compile(r"(src/deepgrad/[\w/]+\.py):(\d+)")


def cause(text: str, message: str) -> tuple[str, str]:
    """``(exception line, deepest deepgrad frame)`` of one failure's traceback text."""
    frames = _FRAME.findall(text or "")
    where = f"{frames[-1][0]}:{frames[-1][1]}" if frames else "(no deepgrad frame)"
    first = (message or "").strip().splitlines()
    exc = re.sub(r"0x[0-9a-f]+", "0x…", first[0] if first else "")[:160]
    return exc, where


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("junit")
    p.add_argument("--ids", default=None)
    p.add_argument("--groups", type=int, default=80)
    args = p.parse_args(argv)
    root = ET.parse(args.junit).getroot()
    totals = collections.Counter()
    groups: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    failed: list[str] = []
    for case in root.iter("testcase"):
        tid = f"{case.get('classname')}::{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is None:
            totals["skipped" if case.find("skipped") is not None else "passed"] += 1
            continue
        totals["failed"] += 1
        failed.append(tid)
        groups[cause(bad.text or "", bad.get("message") or "")].append(tid)
    print(dict(totals))
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    for (exc, where), ids in ranked[: args.groups]:
        print(f"\n[{len(ids)}] {where}\n    {exc}")
        for tid in ids[:3]:
            print(f"      {tid}")
    if args.ids:
        with open(args.ids, "w") as f:
            f.write("\n".join(failed) + "\n")


if __name__ == "__main__":
    main()
