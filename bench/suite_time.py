"""Benchmark: how long `make test` takes (lint, then the test suite), for two checkouts side by side.

    /work/main/.venv/bin/python bench/suite_time.py --before REF [--after PATH] [--repeat 1] [--serial-too]
        [-- PYTEST_ARGS]

The "before" tree is REF exported with `git archive` into a temporary folder (with this checkout's node_modules
for axe-core); "after" is a checkout (this one by default). Each run does what `make test` does, in the same
venv: ruff check, ruff format --check, djlint templates --lint, then pytest with the tree's own options, plus
-q -p no:cacheprovider. The runs alternate (before, after, before, after …) so that both see the same load on
a shared machine. Prints the seconds of each step and the ratio after/before. The environment is passed on:
set DATABASE_URL and REDIS_URL to measure on PostgreSQL and Redis as CI does. Asserts nothing.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LINT = {
    "ruff check": [str(BIN / "ruff"), "check", "."],
    "ruff format": [str(BIN / "ruff"), "format", "--check", "."],
    "djlint": [str(BIN / "djlint"), "templates", "--lint"],
}


def export(ref: str, into: Path) -> Path:
    tree = into / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if (ROOT / "node_modules").exists():
        (tree / "node_modules").symlink_to(ROOT / "node_modules")
    return tree


def timed(command: list[str], cwd: Path, log) -> tuple[float, int, str]:
    start = time.monotonic()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - start
    log.write(f"$ {' '.join(command)}  (in {cwd})\n{result.stdout}\n")
    lines = [line for line in result.stdout.strip().splitlines() if line.strip()]
    return elapsed, result.returncode, lines[-1] if lines else ""


def make_test(tree: Path, pytest_args: list[str], log) -> dict:
    steps = {}
    for name, command in LINT.items():
        steps[name] = timed(command, tree, log)
    steps["pytest"] = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args], tree, log)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git ref of the tree to compare against")
    parser.add_argument("--after", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    parser.add_argument("--repeat", type=int, default=1, help="before/after pairs to run")
    parser.add_argument(
        "--serial-too", action="store_true", help='also run "after" with -n 0 (no pytest-xdist workers)'
    )
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "suite_time.log")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="suite-time-") as tmp, args.log.open("w") as log:
        trees = {"before": export(args.before, Path(tmp)), "after": args.after.resolve()}
        variants = {"before": [], "after": []} | ({"serial": ["-n", "0"]} if args.serial_too else {})
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.before], capture_output=True, text=True
        ).stdout.strip()
        print(f"before: {args.before} ({commit}); after: {trees['after']}")
        print(f"database: {os.environ.get('DATABASE_URL', 'SQLite (default)')}; log: {args.log}\n")
        results: dict[str, list[dict]] = {name: [] for name in variants}
        for round_ in range(1, args.repeat + 1):
            for name, extra in variants.items():
                tree = trees["before" if name == "before" else "after"]
                load = os.getloadavg()[0]
                steps = make_test(tree, [*args.pytest_args, *extra], log)
                results[name].append(steps)
                total = sum(s[0] for s in steps.values())
                parts = ", ".join(f"{step} {s[0]:.1f} s" for step, s in steps.items())
                failed = [step for step, s in steps.items() if s[1] != 0]
                print(f"[{round_}] {name:<6} {total:7.1f} s  (load {load:.1f} at start; {parts})")
                print(f"         pytest: {steps['pytest'][2]}" + (f"  FAILED: {', '.join(failed)}" if failed else ""))
                sys.stdout.flush()

        print()
        for step in [*LINT, "pytest", "total"]:
            figures = {}
            for name, runs in results.items():
                values = [sum(s[0] for s in r.values()) if step == "total" else r[step][0] for r in runs]
                figures[name] = sum(values) / len(values)
            line = f"{step:<12}"
            for name, value in figures.items():
                line += f" {name} {value:7.1f} s"
                if name != "before" and figures["before"]:
                    line += f" (ratio {value / figures['before']:.2f})"
            print(line)
        shutil.rmtree(Path(tmp) / "before", ignore_errors=True)


if __name__ == "__main__":
    main()
