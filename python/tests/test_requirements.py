"""`weir run --python job.py --pyRequirements requirements.txt#packages` (Flink's -pyreq): the job imports a
package that only the requirements provide. pip installs it from the given directory (no index: tests talk
only to loopback), locally for an embedded run and in every process that plans the job on a cluster.

Needs the weir CLI built with Python (scripts/build); skipped when it is missing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import zipfile
from typing import Any

import pytest
from test_cluster import WEIR, start_jobmanager, start_taskmanager, stop_all

JOB = """
import os, sys
import weirreqdemo
from weir.datastream import SinkFunction, StreamExecutionEnvironment

OUT = sys.argv[1]


class Lines(SinkFunction):
    def open(self, ctx):
        self.f = open(os.path.join(OUT, f"part-{ctx.get_index_of_this_subtask()}"), "w")

    def invoke(self, value, context):
        self.f.write(value + "\\n")

    def finish(self):
        self.f.close()


env = StreamExecutionEnvironment.get_execution_environment()
env.from_collection(["a", "bb", "ccc"]).map(weirreqdemo.shout).add_sink(Lines())
env.execute("uses a requirement")
"""


def make_wheel(directory: str) -> None:
    """weirreqdemo 1.0 as a wheel (a zip with the package and its dist-info), built by hand: no build
    backend, no index."""
    files = {
        "weirreqdemo/__init__.py": b"def shout(s):\n    return s.upper() + '!'\n",
        "weirreqdemo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: weirreqdemo\nVersion: 1.0\n",
        "weirreqdemo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: weir-tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("weirreqdemo-1.0.dist-info/RECORD,,")
    with zipfile.ZipFile(os.path.join(directory, "weirreqdemo-1.0-py3-none-any.whl"), "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("weirreqdemo-1.0.dist-info/RECORD", "\n".join(record) + "\n")


def setup_job(d: str, requirement: str = "weirreqdemo==1.0") -> tuple[str, str, str]:
    packages = os.path.join(d, "packages")
    os.makedirs(packages)
    make_wheel(packages)
    req = os.path.join(d, "requirements.txt")
    with open(req, "w") as f:
        f.write(requirement + "\n")
    job = os.path.join(d, "job.py")
    with open(job, "w") as f:
        f.write(JOB)
    out = os.path.join(d, "out")
    os.makedirs(out)
    return job, f"{req}#{packages}", out


def outputs(out: str) -> list[str]:
    lines: list[str] = []
    for name in os.listdir(out):
        with open(os.path.join(out, name)) as f:
            lines += f.read().split()
    return sorted(lines)


def weir_run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`weir run ARGS` without PYTHONPATH: the job's dependency must come from the requirements."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return subprocess.run([WEIR, "run", *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.skipif(not os.path.exists(WEIR), reason="the weir CLI is not built")
def test_requirements_installed_for_an_embedded_run(tmp_path: Any) -> None:
    job, req, out = setup_job(str(tmp_path))
    r = weir_run("--python", job, "-pyreq", req, out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert outputs(out) == ["A!", "BB!", "CCC!"]
    # Without the requirements the job cannot import its dependency.
    r = weir_run("--python", job, out)
    assert r.returncode != 0 and "No module named 'weirreqdemo'" in r.stderr, r.stderr


@pytest.mark.skipif(not os.path.exists(WEIR), reason="the weir CLI is not built")
def test_requirements_travel_to_every_process_of_a_cluster(tmp_path: Any) -> None:
    d = str(tmp_path)
    job, req, out = setup_job(d)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        rpc, rest_addr = start_jobmanager(d, procs)
        for i in range(2):
            start_taskmanager(d, procs, f"tm{i}", rpc)
        r = weir_run("--jobmanager", rest_addr, "-p", "2", "--python", job, "--pyRequirements", req, out, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        assert outputs(out) == ["A!", "BB!", "CCC!"]
    finally:
        stop_all(procs)


@pytest.mark.skipif(not os.path.exists(WEIR), reason="the weir CLI is not built")
def test_bad_requirements_are_named(tmp_path: Any) -> None:
    d = str(tmp_path)
    job, req, out = setup_job(d, requirement="weirreqdemo==2.0")
    r = weir_run("--python", job, "--pyRequirements", req, out)
    assert r.returncode != 0
    assert "--pyRequirements: pip could not install" in r.stderr and "weirreqdemo==2.0" in r.stderr, r.stderr
    r = weir_run("--python", job, "--pyRequirements", os.path.join(d, "nope.txt"), out)
    assert r.returncode != 0 and "nope.txt' is not a file" in r.stderr, r.stderr
    r = weir_run("--python", job, "--pyRequirements", req.split("#")[0] + "#" + os.path.join(d, "nodir"), out)
    assert r.returncode != 0 and "nodir' does not exist" in r.stderr, r.stderr
