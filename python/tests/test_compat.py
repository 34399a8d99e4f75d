"""PyFlink programs (tests/compat/programs) run on Weir with their imports rewritten, at parallelism 1 and 2.

Their sorted output must equal what real PyFlink 2.3.0 printed (tests/compat/expected, regenerated with
``python tests/compat/regenerate.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "compat", "programs")
EXPECTED = os.path.join(HERE, "compat", "expected")
PACKAGE_ROOT = os.path.dirname(HERE)


def programs() -> list[str]:
    return sorted(f[:-3] for f in os.listdir(PROGRAMS) if f.endswith(".py"))


def expected_lines(name: str, p: int) -> list[str]:
    for candidate in (f"{name}.p{p}.txt", f"{name}.txt"):
        path = os.path.join(EXPECTED, candidate)
        if os.path.exists(path):
            with open(path) as f:
                return sorted(line.rstrip("\n") for line in f if line.strip())
    raise FileNotFoundError(f"no expected output for {name}")


def run_on_weir(name: str, p: int, tmp_path: str) -> list[str]:
    with open(os.path.join(PROGRAMS, name + ".py")) as f:
        source = f.read().replace("pyflink", "weir")
    ported = os.path.join(tmp_path, name + ".py")
    with open(ported, "w") as f:
        f.write(source)
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    r = subprocess.run([sys.executable, ported, str(p)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, f"{name} failed on Weir:\n{r.stderr[-4000:]}"
    return sorted(line for line in r.stdout.splitlines() if line.strip())


# Known differences, each with the reason (and a note on issue #11):
KNOWN_DIFFERENCES: dict[str, str] = {}


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_DIFFERENCES[n], strict=True))
        if n in KNOWN_DIFFERENCES
        else n
        for n in programs()
    ],
)
def test_program_matches_pyflink(name: str, p: int, tmp_path: object) -> None:
    assert run_on_weir(name, p, str(tmp_path)) == expected_lines(name, p)
