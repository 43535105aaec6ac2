"""Streaming benchmark: `jifen scenario` over a large generated history.

Writes N events (joins, purchases, daily settlements, withdrawals, transfers
and a sprinkling of bad lines) to a temporary file, runs the real command in a
subprocess and prints events, seconds, peak RSS and the output size. Memory is
bounded by the number of members and orders (state), not by the number of events.
Run by hand:  .venv/bin/python bench/scenario_stream.py [--events N] [--members M]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_history(path: Path, events: int, members: int, seed: int) -> None:
    rng = random.Random(seed)
    written = 0
    day = 0
    with path.open("w", encoding="utf-8") as out:
        for number in range(members):
            event = {"type": "join", "member": f"m{number}"}
            if number:
                event["referrer"] = f"m{rng.randrange(max(0, number - 1000), number)}"
            out.write(json.dumps(event) + "\n")
            written += 1
        order = 0
        while written < events:
            roll = rng.random()
            if roll < 0.0005:
                day += 1
                line = {"type": "settle", "date": _date(day)}
            elif roll < 0.6:
                order += 1
                line = {
                    "type": "purchase",
                    "member": f"m{rng.randrange(members)}",
                    "order": f"o{order}",
                    "amount": rng.choice(("3000", "9000", "27000")),
                }
            elif roll < 0.8:
                line = {"type": "withdraw", "member": f"m{rng.randrange(members)}", "points": "100"}
            elif roll < 0.99:
                line = {
                    "type": "transfer",
                    "from": f"m{rng.randrange(members)}",
                    "to": f"m{rng.randrange(members)}",
                    "points": "10",
                }
            else:
                out.write('{"type": "purchase", "amount": 12.5}\n')
                written += 1
                continue
            out.write(json.dumps(line) + "\n")
            written += 1


def _date(day: int) -> str:
    return (dt.date(2026, 1, 1) + dt.timedelta(days=day)).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "events.jsonl"
        write_history(history, args.events, args.members, args.seed)
        report = Path(folder) / "report.json"
        started = time.perf_counter()
        with report.open("w") as out:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "functions.cli",
                    "scenario",
                    str(ROOT / "infra/plans/dividend.yaml"),
                    str(history),
                ],
                stdout=out,
                check=True,
                cwd=ROOT,
            )
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        summary = json.loads(report.read_text())
        print(
            f"events={args.events:,} members={args.members:,} seconds={seconds:.1f} "
            f"peak_rss_mb={peak_mb:.0f} report_mb={report.stat().st_size / 2**20:.1f} "
            f"settlements={len(summary['settlements'])} rejected={len(summary['rejected']):,}"
        )


if __name__ == "__main__":
    main()
