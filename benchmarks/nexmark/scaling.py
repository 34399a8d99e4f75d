#!/usr/bin/env python3
"""Nexmark scaling on a cluster of processes: what adding parallelism buys, in events/s and per core.

Starts a local cluster (`weir cluster start`: a JobManager and --taskmanagers TaskManager processes with
--slots slots each), then runs each query at each parallelism on it with `weir nexmark --jobmanager`,
interleaved (round 1: q5 p=1, q5 p=2, ..., q8 p=4; round 2: the same), and prints a Markdown table.

    benchmarks/nexmark/scaling.py [--weir build/release/weir] [--events 10000000] [--rounds 3]
                                  [--queries q5,q8] [--parallelism 1,2,4] [--taskmanagers 2] [--slots 2]
                                  [--minicluster]

What each column counts:
- events/s: the events over the job's duration on the JobManager (from the RESULT line: submission to
  FINISHED, deployment included).
- CPU s: user + system CPU seconds of every process involved over the whole run of the client, read from
  /proc/PID/stat of the JobManager and each TaskManager before and after (threads that ended count), plus
  the client's own (`weir nexmark`, from getrusage of the child).
- events/s/core: events / CPU s. cores: CPU s / the job's duration.
- placement: how many of the job's subtasks each TaskManager ran (from the JobManager's REST API).
- MiniCluster events/s/core (with --minicluster): the same query and parallelism in one process
  (`weir nexmark` without --jobmanager: the embedded MiniCluster, local channels), from its RESULT line,
  run in the same rounds.
Each row is the run with the best events/s/core of the rounds (disturbances only slow a run down);
`x p=1` divides a row's events/s (and events/s/core) by the same query's at parallelism 1.

It builds nothing: `cmake --build build/release -j2 --target weir weir_nexmark_job` first (the job runs
as jobs/libweir_nexmark_job.so beside the weir binary). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

RESULT = re.compile(r"RESULT query=(\S+) events=(\d+) seconds=([\d.]+) events_per_s=(\d+)")
EMBEDDED_RESULT = re.compile(r"RESULT query=\S+ .* events_per_s_per_core=(\d+)")
JOB_ID = re.compile(r"JobID ([0-9a-f]+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    query: str
    parallelism: int
    events: int
    seconds: float
    events_per_s: int
    cpu_by_process: dict[str, float]
    placement: str

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_process.values())

    @property
    def events_per_core(self) -> float:
        return self.events / self.cpu_seconds


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, its ended threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Cluster:
    """A JobManager and TaskManager processes started with `weir cluster start`, in a new temp directory."""

    def __init__(self, weir: str, taskmanagers: int, slots: int) -> None:
        self.weir = weir
        self.dir = tempfile.mkdtemp(prefix="weir-scaling-")
        out = subprocess.run(
            [weir, "cluster", "start", "-n", str(taskmanagers), "--dir", self.dir, "-D", "rest.port=0",
             "-D", "jobmanager.rpc.port=0", "-D", f"taskmanager.numberOfTaskSlots={slots}"],
            check=True, capture_output=True, text=True).stdout
        m = re.search(r"CLUSTER rest=(\S+)", out)
        if not m:
            sys.exit(f"weir cluster start printed no CLUSTER line:\n{out}")
        self.rest = m[1]
        state = Path(self.dir, "cluster.state").read_text().split("\n")
        pids = [int(line.split()[1]) for line in state if line.startswith("pid ")]
        # cluster.state lists the JobManager first, then the TaskManagers.
        self.processes = {"jobmanager": pids[0]}
        self.processes.update({f"taskmanager-{i}": pid for i, pid in enumerate(pids[1:])})

    def stop(self) -> None:
        """Stops the processes and removes their directory (logs and the process list)."""
        subprocess.run([self.weir, "cluster", "stop", "--dir", self.dir], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def cpu(self) -> dict[str, float]:
        return {name: process_cpu_seconds(pid) for name, pid in self.processes.items()}

    def placement(self, job_id: str) -> str:
        with urllib.request.urlopen(f"http://{self.rest}/jobs/{job_id}", timeout=30) as r:
            job = json.load(r)
        per_tm: dict[str, int] = {}
        for vertex in job["vertices"]:
            for subtask in vertex["subtasks"]:
                per_tm[subtask["taskmanager-id"]] = per_tm.get(subtask["taskmanager-id"], 0) + 1
        return " + ".join(str(n) for n in sorted(per_tm.values(), reverse=True))


def run_once(cluster: Cluster, query: str, events: int, parallelism: int) -> Run:
    cmd = [cluster.weir, "nexmark", "--jobmanager", cluster.rest, "--query", query, "--events", str(events),
           "--parallelism", str(parallelism)]
    before, client_before = cluster.cpu(), children_cpu_seconds()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    after, client_after = cluster.cpu(), children_cpu_seconds()
    m, job = RESULT.search(out), JOB_ID.search(out)
    if not m or not job:
        sys.exit(f"no RESULT line or job id from {' '.join(cmd)}:\n{out}")
    cpu = {name: after[name] - before[name] for name in before}
    cpu["client"] = client_after - client_before
    return Run(query, parallelism, int(m[2]), float(m[3]), int(m[4]), cpu, cluster.placement(job[1]))


def run_embedded(weir: str, query: str, events: int, parallelism: int) -> int:
    """events/s/core of the query on the embedded MiniCluster (one process), from its RESULT line."""
    cmd = [weir, "nexmark", "--query", query, "--events", str(events), "--parallelism", str(parallelism)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = EMBEDDED_RESULT.search(out)
    if not m:
        sys.exit(f"no RESULT line from {' '.join(cmd)}:\n{out}")
    return int(m[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir", default="build/release/weir")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", default="q5,q8")
    ap.add_argument("--parallelism", default="1,2,4")
    ap.add_argument("--taskmanagers", type=int, default=2)
    ap.add_argument("--slots", type=int, default=2, help="slots per TaskManager")
    ap.add_argument("--minicluster", action="store_true", help="also run each on the embedded MiniCluster")
    a = ap.parse_args()
    queries = a.queries.split(",")
    parallelisms = [int(p) for p in a.parallelism.split(",")]
    if max(parallelisms) > a.taskmanagers * a.slots:
        sys.exit(f"parallelism {max(parallelisms)} needs more than the {a.taskmanagers * a.slots} slots")

    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  events={a.events}  best of {a.rounds} rounds  "
          f"{a.taskmanagers} TaskManagers x {a.slots} slots  cpus={os.cpu_count()}  "
          f"load={os.getloadavg()[0]:.1f}", flush=True)
    cluster = Cluster(a.weir, a.taskmanagers, a.slots)
    runs: dict[tuple[str, int], list[Run]] = {}
    embedded: dict[tuple[str, int], list[int]] = {}
    try:
        for round_number in range(a.rounds):
            for q in queries:
                for p in parallelisms:
                    r = run_once(cluster, q, a.events, p)
                    runs.setdefault((q, p), []).append(r)
                    split = " ".join(f"{k}={v:.2f}" for k, v in r.cpu_by_process.items())
                    print(f"  round {round_number + 1} {q} p={p}: {r.seconds:.3f} s, {r.events_per_s:,} events/s, "
                          f"CPU {r.cpu_seconds:.2f} s ({split}), {r.events_per_core:,.0f} events/s/core, "
                          f"subtasks per TaskManager {r.placement}, load {os.getloadavg()[0]:.1f}",
                          file=sys.stderr, flush=True)
                    if a.minicluster:
                        e = run_embedded(a.weir, q, a.events, p)
                        embedded.setdefault((q, p), []).append(e)
                        print(f"  round {round_number + 1} {q} p={p} MiniCluster: {e:,} events/s/core",
                              file=sys.stderr, flush=True)
    finally:
        cluster.stop()

    print("| query | p | seconds | events/s | x p=1 | CPU s (JM / TMs / client) | cores | events/s/core | x p=1 "
          "| subtasks per TM |" + (" MiniCluster events/s/core |" if a.minicluster else ""))
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if a.minicluster else ""))
    for q in queries:
        base: Run | None = None
        for p in parallelisms:
            r = max(runs[(q, p)], key=lambda run: run.events_per_core)
            base = base or r
            cpu = r.cpu_by_process
            tms = " + ".join(f"{v:.2f}" for k, v in cpu.items() if k.startswith("taskmanager"))
            print(f"| {q} | {p} | {r.seconds:.3f} | {r.events_per_s:,} | {r.events_per_s / base.events_per_s:.2f} "
                  f"| {r.cpu_seconds:.2f} ({cpu['jobmanager']:.2f} / {tms} / {cpu['client']:.2f}) "
                  f"| {r.cpu_seconds / r.seconds:.2f} | {r.events_per_core:,.0f} "
                  f"| {r.events_per_core / base.events_per_core:.2f} | {r.placement} |"
                  + (f" {max(embedded[(q, p)]):,} |" if a.minicluster else ""))


if __name__ == "__main__":
    main()
