#!/usr/bin/env python3
"""Nexmark throughput runner: runs `weir nexmark` for the benchmark queries at parallelism 1 and 2,
plus the calibration jobs (the generator alone, without the engine, and a plain pass-through of every
event to a blackhole), and prints a Markdown table.

It builds nothing: build first with `cmake --build build/release -j2 --target weir`.

Each configuration runs --repeat times (default 3) and the best run (highest events/s per core) is
reported, since the machine is shared and disturbances only ever slow a run down. The ratio column
compares a query's events/s per core with the generator alone's events/s per core at the same
parallelism, measured in the same invocation.

    benchmarks/nexmark/run.py [--weir build/release/weir] [--events 20000000] [--repeat 3]
                              [--queries q0,q1,...|all] [--parallelism 1,2]

`--queries all` runs the whole suite, q0 ... q22 (q10 into a blackhole, q13 with Nexmark's own side input).
"""
import argparse
import re
import subprocess
import sys
import time

RESULT = re.compile(r"RESULT query=(\S+) events=(\d+) seconds=([\d.]+) events_per_s=(\d+) cores=([\d.]+) "
                    r"events_per_s_per_core=(\d+)")
SUITE = [f"q{n}" for n in range(23)]
# Targets of issue 3: (minimum events/s per core, minimum fraction of the generator-alone rate).
TARGETS = {q: (2_000_000, 0.5) for q in ("q0", "q1", "q2")}
TARGETS.update({q: (1_000_000, 0.2) for q in ("q3", "q5", "q7", "q8")})


def run_once(weir, query, events, parallelism):
    cmd = [weir, "nexmark", "--query", query, "--events", str(events), "--parallelism", str(parallelism)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = RESULT.search(out)
    if not m:
        sys.exit(f"no RESULT line from {' '.join(cmd)}:\n{out}")
    return {"seconds": float(m[3]), "eps": int(m[4]), "cores": float(m[5]), "epspc": int(m[6])}


def best_of(weir, query, events, parallelism, repeat):
    runs = [run_once(weir, query, events, parallelism) for _ in range(repeat)]
    return max(runs, key=lambda r: r["epspc"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir", default="build/release/weir")
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", default="q0,q1,q2,q3,q5,q7,q8", help="comma-separated, or all (q0 ... q22)")
    ap.add_argument("--parallelism", default="1,2")
    a = ap.parse_args()

    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  events={a.events}  best of {a.repeat}", flush=True)
    rows = []
    for p in [int(x) for x in a.parallelism.split(",")]:
        gen = best_of(a.weir, "gen", a.events, p, a.repeat)
        rows.append(("gen", p, gen, None))
        queries = SUITE if a.queries == "all" else a.queries.split(",")
        for q in ["passthrough"] + queries:
            r = best_of(a.weir, q, a.events, p, a.repeat)
            rows.append((q, p, r, r["epspc"] / gen["epspc"]))
            print(f"  {q} p={p}: {r['epspc']:,} events/s/core", file=sys.stderr, flush=True)

    print("| query | p | seconds | events/s | cores | events/s/core | / gen | target | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for q, p, r, ratio in rows:
        target, met = "", ""
        if q in TARGETS and ratio is not None:
            per_core, fraction = TARGETS[q]
            target = f">= {per_core / 1e6:.0f}M/core, >= 1/{round(1 / fraction)} gen"
            met = "met" if r["epspc"] >= per_core and ratio >= fraction else "NOT met"
        print(f"| {q} | {p} | {r['seconds']:.3f} | {r['eps']:,} | {r['cores']:.1f} | {r['epspc']:,} | "
              f"{'' if ratio is None else f'{ratio:.2f}'} | {target} | {met} |")


if __name__ == "__main__":
    main()
