"""Drops the JobClient of a running job whose map is a Python function, then prints "dropped".

The last reference to an execute_async job ends its MiniCluster, which cancels the job and waits for its
tasks. Those tasks call Python, so they need the GIL: the client must let go of it while it waits (before,
the process hung here). Run by test_datastream.py in a subprocess with a timeout."""

from __future__ import annotations

import gc
import threading

from weir.datastream import StreamExecutionEnvironment


def main() -> None:
    running = threading.Event()  # set by the map once it runs: the tasks are in Python

    def double(v: int) -> int:
        running.set()
        return v * 2

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.from_sequence(1, 10**12).map(double).add_sink(lambda v: None)
    client = env.execute_async("busy python map")
    if not running.wait(60):
        raise SystemExit(f"the job's map did not run: {client.get_job_status()}")
    del client
    gc.collect()
    print("dropped", flush=True)


if __name__ == "__main__":
    main()
