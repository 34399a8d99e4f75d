"""CPU seconds of this process and all its descendants, from /proc (Linux only, no dependencies).

PyFlink runs a job in three kinds of processes: the Python driver, the JVM it starts
(PythonGatewayServer, which hosts the MiniCluster) and, in process mode, the Python workers Beam starts
(pyflink-udf-runner.sh -> python -m ...beam_boot -> the SDK worker, with a `tee` for its log). A benchmark
that reads only its own rusage sees none of the JVM's or the workers' CPU.

pyflink-udf-runner.sh exits while its Python worker and `tee` live on; orphans go to init and out of the
tree. become_subreaper() (call it before the JVM starts) makes this process adopt them instead
(PR_SET_CHILD_SUBREAPER), and the sampler reaps adopted orphans once they exit, so their CPU lands in this
process's cutime/cstime.

Total: sum over the tree of utime+stime+cutime+cstime, after minus before. A process that exits in between
and is reaped by a parent inside the tree moves its whole CPU time into the parent's cutime/cstime, so the
sum stays right (what it had used before the first snapshot is subtracted through its own entry then).
Breakdown by kind: a sampler thread records each process's own utime+stime every `interval` seconds, so a
process that exits between two samples loses its last interval from the breakdown (not from the total).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Dict, Tuple

TICK = os.sysconf("SC_CLK_TCK")


def become_subreaper() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _reap_adopted(table: Dict[int, Tuple[int, str, int, int]], root: int, keep: set[int]) -> None:
    for pid, (ppid, *_rest) in table.items():
        if ppid == root and pid not in keep:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


def _table() -> Dict[int, Tuple[int, str, int, int]]:
    """pid -> (ppid, comm, own ticks utime+stime, reaped children's ticks cutime+cstime)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                s = f.read().decode("ascii", "replace")
        except OSError:
            continue
        lp, rp = s.index("("), s.rindex(")")
        comm = s[lp + 1 : rp]
        f = s[rp + 2 :].split()
        # fields after comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
        out[int(name)] = (int(f[1]), comm, int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
    return out


def _tree(table: Dict[int, Tuple[int, str, int, int]], root: int) -> list[int]:
    children: Dict[int, list[int]] = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        if p in table:
            out.append(p)
        todo.extend(children.get(p, []))
    return out


def _kind(pid: int, comm: str, root: int) -> str:
    """driver, jvm, python workers, or other (pyflink-udf-runner.sh's bash and tee)."""
    if pid == root:
        return "driver"
    if comm == "java":
        return "jvm"
    if comm.startswith("py"):  # "python", or "pyt" once beam_boot renames its thread
        return "python workers"
    return "other"


class TreeCpu:
    """with TreeCpu() as t: ...; then t.total (CPU-s) and t.by_kind ({kind: CPU-s})."""

    def __init__(self, interval: float = 0.5) -> None:
        self.root = os.getpid()
        self.interval = interval
        self.total = 0.0
        self.by_kind: Dict[str, float] = {}
        self._stop = threading.Event()
        self._base: Dict[int, int] = {}  # own ticks at start (pids alive at start)
        self._last: Dict[int, Tuple[str, int]] = {}  # kind, own ticks at the last sample
        self._start_sum = 0

    def _sample(self) -> int:
        t = _table()
        _reap_adopted(t, self.root, self._keep)
        total = 0
        for pid in _tree(t, self.root):
            _ppid, comm, own, child = t[pid]
            total += own + child
            kind = self._last[pid][0] if pid in self._last else _kind(pid, comm, self.root)
            self._last[pid] = (kind, own)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "TreeCpu":
        # The JVM is our own child, waited for by whoever started it (PyFlink's Popen): never reap it here.
        self._keep = {pid for pid, (ppid, comm, *_r) in _table().items() if ppid == self.root and comm == "java"}
        self._start_sum = self._sample()
        self._base = {pid: own for pid, (_k, own) in self._last.items()}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        end = self._sample()
        self.total = (end - self._start_sum) / TICK
        kinds: Dict[str, float] = {}
        for pid, (kind, own) in self._last.items():
            d = own - self._base.get(pid, 0)
            if d > 0:
                kinds[kind] = kinds.get(kind, 0.0) + d / TICK
        attributed = sum(kinds.values())
        if self.total - attributed > 0.005:
            kinds["exited, unattributed"] = self.total - attributed
        self.by_kind = kinds
        if os.environ.get("PROC_CPU_DEBUG"):
            t = _table()
            for pid, (kind, own) in sorted(self._last.items()):
                print(f"proc_cpu: {pid} {kind} base {self._base.get(pid)} last {own} now {t.get(pid)}")
            print(f"proc_cpu: start sum {self._start_sum} end sum {end}")
