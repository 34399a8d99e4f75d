"""Drops the JobClient of a running job whose map is a Python function, then prints "dropped".

The last reference to an execute_async job ends its MiniCluster, which cancels the job and waits for its
tasks. Those tasks call Python, so they need the GIL: the client must let go of it while it waits (before,
the process hung here). Run by test_datastream.py in a subprocess with a timeout."""

from __future__ import annotations

import gc
import time

from weir.datastream import StreamExecutionEnvironment


def main() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.from_sequence(1, 10**12).map(lambda v: v * 2).add_sink(lambda v: None)
    client = env.execute_async("busy python map")
    deadline = time.monotonic() + 60
    while client.get_job_status() != "RUNNING":
        if time.monotonic() > deadline:
            raise SystemExit(f"the job did not start: {client.get_job_status()}")
        time.sleep(0.01)
    del client
    gc.collect()
    print("dropped", flush=True)


if __name__ == "__main__":
    main()
