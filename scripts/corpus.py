"""Run the corpus of realistic functions (tests/corpus) through symdiff.grad and report.

    PYTHONPATH=. python scripts/corpus.py [--verbose] [--json OUT] [-k SUBSTRING] [--timeout S]

Each case is classified as compiled & right (matches central finite differences in float64),
compiled & WRONG, refused (a SymdiffError: the coverage being measured), crashed (any other
exception: a bug), timeout, or corpus-error (the function itself does not run: fix the corpus).
Exits 1 when a case is wrong or crashed.
"""
from __future__ import annotations

import argparse
import collections
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --symdiff DIR measures another checkout's symdiff with this corpus (read before argparse runs)
SYMDIFF_ROOT = Path(sys.argv[sys.argv.index("--symdiff") + 1]).resolve() if "--symdiff" in sys.argv[:-1] else ROOT
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(SYMDIFF_ROOT))

from corpus import STYLES, load_cases  # noqa: E402
from corpus.harness import OUTCOMES, run_case  # noqa: E402

LABELS = {"right": "right", "wrong": "WRONG", "refused": "refused", "crashed": "CRASHED",
          "timeout": "timeout", "corpus-error": "corpus-err"}


def normalized(reason: str) -> str:
    """A refusal reason with names and numbers taken out, to group reasons of one kind."""
    reason = re.sub(r"`[^`]*`", "`…`", reason)
    reason = re.sub(r"'[^']*'", "'…'", reason)
    reason = re.sub(r"\((?:[\w\s]+,)*[\w\s]*\)", "(…)", reason)  # shapes
    reason = re.sub(r"\[[^\]]*\]", "[…]", reason)
    return re.sub(r"\b\d+\b", "N", reason)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def summary(results, top: int = 15) -> str:
    out = []
    by_style = collections.defaultdict(list)
    for r in results:
        by_style[r.style].append(r)
    header = ["style", "cases"] + [LABELS[o] for o in OUTCOMES] + ["right %"]
    rows = []
    for style in [s for s in STYLES if s in by_style] + [s for s in by_style if s not in STYLES]:
        group = by_style[style]
        counts = collections.Counter(r.outcome for r in group)
        rows.append([style, len(group)] + [counts[o] for o in OUTCOMES]
                    + [f"{100 * counts['right'] / len(group):.0f}%"])
    counts = collections.Counter(r.outcome for r in results)
    n = max(len(results), 1)
    rows.append(["TOTAL", len(results)] + [f"{counts[o]} ({100 * counts[o] / n:.0f}%)" for o in OUTCOMES]
                + [f"{100 * counts['right'] / n:.0f}%"])
    out.append(table(rows, header))
    refused = [r for r in results if r.outcome == "refused"]
    if refused:
        out.append("")
        out.append(f"Refusals by error class ({len(refused)}):")
        for cls, k in collections.Counter(r.error_class for r in refused).most_common():
            out.append(f"  {k:4d}  {cls}")
        out.append("")
        out.append(f"Top refusal reasons (first line, names kept):")
        for reason, k in collections.Counter(f"{r.error_class}: {r.reason}" for r in refused).most_common(top):
            out.append(f"  {k:4d}  {reason}")
        out.append("")
        out.append(f"Top refusal kinds (names and numbers masked):")
        for reason, k in collections.Counter(f"{r.error_class}: {normalized(r.reason)}" for r in refused).most_common(top):
            out.append(f"  {k:4d}  {reason}")
    for outcome in ("wrong", "crashed", "timeout", "corpus-error"):
        bad = [r for r in results if r.outcome == outcome]
        if not bad:
            continue
        out.append("")
        out.append(f"{LABELS[outcome]} ({len(bad)}):")
        if outcome == "wrong":
            for r in bad:
                out.append(f"  {r.id}: {r.detail}")
            continue
        # one traceback per distinct failure (same exception, message and innermost frame)
        groups = collections.defaultdict(list)
        for r in bad:
            groups[(r.error_class, r.reason, r.detail.strip().splitlines()[-3:-1] and
                    tuple(r.detail.strip().splitlines()[-3:-1]))].append(r)
        for (cls, reason, _), group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            out.append(f"  {len(group)} case(s): {cls + ': ' if cls else ''}{reason}")
            out.append("    " + ", ".join(r.id for r in group))
            for line in group[0].detail.splitlines():
                out.append(f"      {line}")
    return "\n".join(out)


def git_describe() -> str:
    try:
        return subprocess.run(["git", "-C", str(SYMDIFF_ROOT), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, timeout=10).stdout.strip()[:100]
    except Exception:
        return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per case as it runs")
    parser.add_argument("--json", metavar="OUT", help="write every case's result and the summary as JSON")
    parser.add_argument("-k", metavar="SUBSTRING", help="only cases whose id contains SUBSTRING")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    parser.add_argument("--top", type=int, default=15, help="how many refusal reasons to list")
    parser.add_argument("--no-values", action="store_true",
                        help="check grad only, not also value_and_grad's value against the function's")
    parser.add_argument("--symdiff", metavar="DIR", help="import symdiff from this checkout (default: this one)")
    args = parser.parse_args(argv)

    cases = load_cases()
    if args.k:
        cases = [c for c in cases if args.k in c.id]
    import symdiff

    if Path(symdiff.__file__).resolve().parent.parent != SYMDIFF_ROOT:
        print(f"warning: symdiff imported from {symdiff.__file__}", file=sys.stderr)
    results = []
    start = time.perf_counter()
    for case in cases:
        r = run_case(case, timeout=args.timeout, values=not args.no_values)
        results.append(r)
        if args.verbose:
            extra = r.reason if r.outcome != "right" else f"worst rel. error {r.worst_rel_error:.2g}"
            print(f"{LABELS[r.outcome]:>10}  {r.seconds:6.2f}s  {r.id}  {extra}", flush=True)
    elapsed = time.perf_counter() - start
    print()
    print(f"symdiff corpus: {len(results)} cases in {elapsed:.1f} s  ({git_describe()})")
    print(summary(results, args.top))
    if args.json:
        counts = collections.Counter(r.outcome for r in results)
        record = {"commit": git_describe(), "python": platform.python_version(), "seconds": elapsed,
                  "counts": {o: counts[o] for o in OUTCOMES}, "results": [r.as_dict() for r in results]}
        Path(args.json).write_text(json.dumps(record, indent=1, default=str) + "\n")
        print(f"\nwrote {args.json}")
    return 1 if any(r.outcome in ("wrong", "crashed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
