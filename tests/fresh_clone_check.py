"""The repository stands on its own: clone it into an empty temporary folder (nothing beside it), install it
there with the README's commands, and check that the clone collects every test this tree collects and passes
the tests that read the conformance material.

Run by ``make test`` (step ``test-clone``); exits non-zero with the reason when the clone falls short. Changes
not yet committed are carried into the clone, so the check answers for the tree as it is."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, capture: bool = False) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=capture, check=False)
    if result.returncode != 0:
        if capture:
            sys.stdout.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"fresh clone: `{' '.join(cmd)}` failed in {cwd} (exit {result.returncode})")
    return result.stdout if capture else ""


def sqlite_env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["YUNYING_DATA_DIR"] = str(tree / "var" / "test-sqlite")
    return env


def collected(tree: Path) -> set[str]:
    out = run(
        [str(tree / ".venv/bin/pytest"), "--collect-only", "-q", "-p", "no:randomly"],
        tree,
        env=sqlite_env(tree),
        capture=True,
    )
    ids = {line.strip() for line in out.splitlines() if "::" in line}
    if not ids:
        raise SystemExit(f"fresh clone: no tests collected in {tree}")
    return ids


def copy_uncommitted(clone: Path) -> None:
    """Carry this tree's uncommitted changes (tracked and new files) into the clone."""
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    if diff.strip():
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=clone, input=diff, check=True)
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, untracked):
        src, dst = ROOT / name.decode(), clone / name.decode()
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def conformance_test_files(tree: Path) -> list[str]:
    """Every test module that reads the conformance material (imports ``tests.conformance``)."""
    pattern = re.compile(r"^\s*from tests\.conformance import", re.MULTILINE)
    files = []
    for path in sorted([*tree.glob("src/**/test_*.py"), *tree.glob("tests/**/test_*.py")]):
        if pattern.search(path.read_text(encoding="utf-8")):
            files.append(str(path.relative_to(tree)))
    return files


def main() -> int:
    started = time.monotonic()
    here = collected(ROOT)
    with tempfile.TemporaryDirectory(prefix="yunying-clone-") as tmp:
        clone = Path(tmp) / "yunying"
        run(["git", "clone", "--quiet", str(ROOT), str(clone)], Path(tmp))
        copy_uncommitted(clone)
        assert not (clone.parent / "shared").exists(), "the clone must have nothing beside it"
        print(f"fresh clone: {clone} (nothing beside it); installing with `make install`", flush=True)
        run(["make", "--no-print-directory", "install"], clone)

        there = collected(clone)
        missing = sorted(here - there)
        print(f"fresh clone: this tree collects {len(here)} tests, the clone {len(there)}", flush=True)
        if missing:
            print("fresh clone: tests the clone does not collect:", *missing[:50], sep="\n  ")
            print(f"fresh clone: FAILED — {len(missing)} tests missing from the clone")
            return 1

        files = conformance_test_files(clone)
        if not files:
            print("fresh clone: FAILED — no test reads the conformance material (tests.conformance)")
            return 1
        print(f"fresh clone: running the conformance tests in the clone: {' '.join(files)}", flush=True)
        result = subprocess.run(
            [str(clone / ".venv/bin/pytest"), "-q", "-p", "no:randomly", *files],
            cwd=clone,
            env=sqlite_env(clone),
            check=False,
        )
        if result.returncode != 0:
            print(
                f"fresh clone: FAILED — the conformance tests failed in the clone (exit {result.returncode})"
            )
            return 1
    print(
        f"fresh clone: passed — {len(there)} tests collected in both, conformance tests green "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
