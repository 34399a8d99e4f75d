"""What a second core gives Python code: one interpreter's threads, sub-interpreters with their own GIL
(Python >= 3.12), and processes. The work is the Python part of map_filter_bench.py's map + filter per
record (build a tuple (i, str(i)), test i % 2), in plain CPython, so the numbers say what Weir could gain
by running Python subtasks in sub-interpreters instead of TaskManager processes.

    python3.12 benchmarks/python/subinterpreter_bench.py [records per worker]

Weir does not use sub-interpreters yet (see docs/python.md): this is the measurement behind that choice.
"""

from __future__ import annotations

import sys
import threading
import time
from multiprocessing import Process

WORK = """
n = {n}
kept = 0
for i in range(n):
    t = (i, str(i))
    if t[0] % 2 == 0:
        kept += 1
"""


def in_this_interpreter(n: int) -> None:
    exec(WORK.format(n=n), {})


def timed(label: str, workers: int, n: int, start: object) -> float:
    t0 = time.perf_counter()
    start(workers, n)  # type: ignore[operator]
    wall = time.perf_counter() - t0
    rate = workers * n / wall
    print(f"{label:<45} {workers} x {n:,} records: {wall:6.2f} s wall, {rate / 1e6:5.2f} M records/s", flush=True)
    return rate


def threads(workers: int, n: int) -> None:
    ts = [threading.Thread(target=in_this_interpreter, args=(n,)) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def processes(workers: int, n: int) -> None:
    ps = [Process(target=in_this_interpreter, args=(n,)) for _ in range(workers)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()


def subinterpreters(workers: int, n: int) -> None:
    try:
        import _interpreters as interp  # type: ignore[import-not-found]  # 3.13
    except ImportError:
        import _xxsubinterpreters as interp  # type: ignore[import-not-found,no-redef]  # 3.12
    ids = [interp.create() for _ in range(workers)]  # isolated: each has its own GIL
    code = WORK.format(n=n)
    ts = [threading.Thread(target=interp.run_string, args=(i, code)) for i in ids]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i in ids:
        interp.destroy(i)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
    print(f"Python {sys.version.split()[0]}")
    one = timed("one thread", 1, n, threads)
    timed("two threads, one interpreter (shared GIL)", 2, n, threads)
    if sys.version_info >= (3, 12):
        timed("one sub-interpreter", 1, n, subinterpreters)
        r = timed("two sub-interpreters (a GIL each), two threads", 2, n, subinterpreters)
        print(f"  sub-interpreters: {r / one:.2f}x one thread")
    r = timed("two processes", 2, n, processes)
    print(f"  processes: {r / one:.2f}x one thread")


if __name__ == "__main__":
    main()
