#!/usr/bin/env python3
"""Runs the PyFlink reference programs on real PyFlink and records (or checks) their sorted output.

Every program in ``programs/`` is a PyFlink DataStream program that takes its parallelism as its
first argument and prints one result record per line. This script runs each one through the Python
of ``scripts/pyflink-venv`` (which it creates on first use) at parallelism 1 and 2, sorts the
printed lines, checks that both parallelisms agree, and writes ``expected/<program>.txt``.

    python3 python/tests/compat/regenerate.py                  # all programs, write expected/
    python3 python/tests/compat/regenerate.py word_count       # only these programs
    python3 python/tests/compat/regenerate.py --check a b      # compare with expected/, exit 1 on a difference
    python3 python/tests/compat/regenerate.py --runs 2         # run each parallelism twice

A program whose output legitimately differs between the parallelisms keeps ``<program>.p1.txt``
and ``<program>.p2.txt`` instead; create those two files by hand once and this script keeps them
up to date. Progress and timings go to stderr.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
EXPECTED = HERE / "expected"
ROOT = HERE.parents[2]
VENV_SCRIPT = ROOT / "scripts" / "pyflink-venv"
PARALLELISMS = (1, 2)
TIMEOUT_S = 600


@dataclass
class Run:
    """One run of one program at one parallelism."""

    program: str
    parallelism: int
    lines: list[str]
    seconds: float


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pyflink_python() -> tuple[Path, dict[str, str]]:
    """Creates or reuses the PyFlink venv; returns its python and the environment to run it in."""
    done = subprocess.run([str(VENV_SCRIPT)], check=True, stdout=subprocess.PIPE, text=True)
    python = Path(done.stdout.strip().splitlines()[-1])
    venv = python.parent.parent
    env = dict(os.environ)
    # PyFlink starts its Python workers with the `python` found on PATH, so the venv's bin must
    # come first; it starts the JVM from JAVA_HOME, which scripts/pyflink-venv recorded.
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    java_home = venv / "java_home"
    if java_home.exists():
        env["JAVA_HOME"] = java_home.read_text().strip()
    return python, env


def run_program(python: Path, env: dict[str, str], program: str, parallelism: int) -> Run:
    """Runs one program; returns its stdout lines sorted. Raises RuntimeError if it fails."""
    start = time.monotonic()
    done = subprocess.run(
        [str(python), str(PROGRAMS / f"{program}.py"), str(parallelism)],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    seconds = time.monotonic() - start
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-30:])
        raise RuntimeError(f"{program} at p={parallelism} exited {done.returncode}:\n{tail}")
    log(f"  {program} p={parallelism}: {len(done.stdout.splitlines())} lines in {seconds:.1f} s")
    return Run(program, parallelism, sorted(done.stdout.splitlines()), seconds)


def expected_files(program: str) -> dict[int, Path]:
    """The stored file for each parallelism: one shared file, or one per parallelism."""
    split = {p: EXPECTED / f"{program}.p{p}.txt" for p in PARALLELISMS}
    if all(path.exists() for path in split.values()):
        return split
    return {p: EXPECTED / f"{program}.txt" for p in PARALLELISMS}


def as_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def diff(expected: str, actual: str, label: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{label} (expected)",
            tofile=f"{label} (actual)",
        )
    )


def process(python: Path, env: dict[str, str], program: str, runs: int, check: bool) -> tuple[bool, float]:
    """Runs one program `runs` times at each parallelism; writes or checks. Returns (ok, seconds)."""
    files = expected_files(program)
    per_file_outputs = len(set(files.values())) > 1
    outputs: dict[int, str] = {}
    ok = True
    total = 0.0
    for parallelism in PARALLELISMS:
        for _ in range(runs):
            try:
                run = run_program(python, env, program, parallelism)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                log(f"FAIL {error}")
                return False, total
            total += run.seconds
            text = as_text(run.lines)
            previous = outputs.setdefault(parallelism, text)
            if previous != text:
                log(
                    f"FAIL {program}: two runs at p={parallelism} differ\n"
                    + diff(previous, text, f"{program} p={parallelism}")
                )
                ok = False
    if not ok:
        return False, total
    if not per_file_outputs and outputs[1] != outputs[2]:
        log(f"FAIL {program}: p=1 and p=2 differ\n" + diff(outputs[1], outputs[2], program))
        return False, total
    for parallelism, path in files.items():
        text = outputs[parallelism]
        if check:
            stored = path.read_text() if path.exists() else ""
            if stored != text:
                log(f"FAIL {program} p={parallelism} differs from {path.name}\n" + diff(stored, text, path.name))
                ok = False
        else:
            path.write_text(text)
    if ok:
        log(f"ok   {program} ({total:.1f} s)")
    return ok, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="*", help="program names (default: all in programs/)")
    parser.add_argument(
        "--check", action="store_true", help="compare with expected/ instead of writing; exit 1 on a difference"
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per parallelism; every run must print the same sorted lines"
    )
    args = parser.parse_args()

    available = sorted(path.stem for path in PROGRAMS.glob("*.py"))
    chosen = [name.removesuffix(".py") for name in args.programs] or available
    unknown = [name for name in chosen if name not in available]
    if unknown:
        parser.error(f"no such program: {', '.join(unknown)}")

    python, env = pyflink_python()
    EXPECTED.mkdir(exist_ok=True)
    failed: list[str] = []
    timings: dict[str, float] = {}
    started = time.monotonic()
    for program in chosen:
        ok, seconds = process(python, env, program, args.runs, args.check)
        timings[program] = seconds
        if not ok:
            failed.append(program)
    elapsed = time.monotonic() - started
    passed = len(chosen) - len(failed)
    log(f"{len(chosen)} programs, {len(chosen) * len(PARALLELISMS) * args.runs} runs in {elapsed:.0f} s")
    print(f"compat: {passed} passed, {len(failed)} failed")
    if failed:
        log("failed: " + " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
