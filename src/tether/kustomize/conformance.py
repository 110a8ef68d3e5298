"""Conformance runner: ``python -m tether.kustomize.conformance CASES_DIR``.

Each case directory holds ``files/`` (the tree, treated as ``/``), ``case.json`` (``run_dir``,
``options``, ``expect``) and ``expected.yaml``. Defaults follow the cases' README: FIFO order
and root-only load restrictions; ``Reorder`` options map to our ``reorder``; an
``expect: error`` case passes when the build fails. Every failing case is printed with a short
diff or its error; the last line is ``N passed, N failed``; the exit code is 1 on failures.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

from tether import errors
from tether.kustomize import builder as build_mod
from tether.kustomize.fs import InMemoryFS
from tether.kustomize.loader import LOAD_RESTRICTIONS_NONE, LOAD_RESTRICTIONS_ROOT_ONLY

__all__ = ["load_case_fs", "main", "run_case"]

_REORDER = {
    "krusty.ReorderOptionLegacy": build_mod.REORDER_LEGACY,
    "krusty.ReorderOptionUnspecified": build_mod.REORDER_UNSPECIFIED,
    "krusty.ReorderOptionNone": build_mod.REORDER_NONE,
}


def load_case_fs(files: Path) -> InMemoryFS:
    """The case's ``files/`` tree as an in-memory file system rooted at ``/``."""
    fs = InMemoryFS()
    for dirpath, dirnames, filenames in os.walk(files):
        rel = os.path.relpath(dirpath, files)
        base = "/" if rel == "." else "/" + rel.replace(os.sep, "/")
        for name in dirnames:
            fs.mkdir(base.rstrip("/") + "/" + name)
        for name in filenames:
            fs.write(base.rstrip("/") + "/" + name, (Path(dirpath) / name).read_bytes())
    return fs


def _options(raw: dict[str, str]) -> build_mod.BuildOptions:
    restrictions = LOAD_RESTRICTIONS_ROOT_ONLY
    if raw.get("LoadRestrictions") == "types.LoadRestrictionsNone":
        restrictions = LOAD_RESTRICTIONS_NONE
    reorder = _REORDER.get(raw.get("Reorder", ""), build_mod.REORDER_NONE)
    return build_mod.BuildOptions(load_restrictions=restrictions, reorder=reorder)


def run_case(case: Path) -> str | None:
    """None when the case passes, else a short report."""
    meta = json.loads((case / "case.json").read_text())
    fs = load_case_fs(case / "files")
    run_dir = "/" + str(meta.get("run_dir", ".")).strip("./")
    try:
        got = build_mod.to_yaml(build_mod.build(fs, run_dir, _options(meta.get("options") or {})))
    except errors.BuildError as exc:
        if meta.get("expect") == "error":
            return None
        return f"error: {exc.one_line()}"
    except Exception as exc:  # a crash is a failure to report, not to hide
        return f"crash: {type(exc).__name__}: {exc}"
    if meta.get("expect") == "error":
        return "expected an error, got output"
    want = (case / "expected.yaml").read_text()
    if got == want:
        return None
    diff = difflib.unified_diff(
        want.splitlines(), got.splitlines(), "expected", "got", lineterm="", n=1
    )
    return "\n".join(list(diff)[:40])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tether.kustomize.conformance CASES_DIR", file=sys.stderr)
        return 2
    root = Path(args[0])
    if not root.is_dir():
        print(f"✗ {root}: not a directory of conformance cases", file=sys.stderr)
        return 2
    cases = sorted(p for p in root.iterdir() if (p / "case.json").is_file())
    failed = 0
    for case in cases:
        report = run_case(case)
        if report is not None:
            failed += 1
            print(f"FAIL {case.name}\n{report}\n")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
