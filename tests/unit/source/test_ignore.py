"""Ignore rules: Flux defaults, .sourceignore per directory, spec.ignore last."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.source import ignore


@pytest.mark.parametrize(("path", "is_dir", "excluded"), [
    ((".git",), True, True),
    ((".gitignore",), False, True),
    (("img", "logo.png"), False, True),
    (("charts", "x.tar.gz"), False, True),
    ((".github",), True, True),
    (("sub", ".sops.yaml"), False, True),
    ((".travis.yml",), False, True),
    (("deploy", "app.yaml"), False, False),
    (("README.md",), False, False),
])
def test_defaults(path: tuple[str, ...], is_dir: bool, excluded: bool) -> None:
    assert ignore.Rules(spec_ignore=None).excluded(path, is_dir=is_dir) is excluded


def test_spec_ignore_replaces_defaults_but_not_vcs() -> None:
    rules = ignore.Rules(spec_ignore="*.txt\n!keep.txt\n/only-root/\n")
    assert rules.excluded(("logo.png",), is_dir=False) is False
    assert rules.excluded((".git",), is_dir=True) is True
    assert rules.excluded(("a", "b.txt"), is_dir=False) is True
    assert rules.excluded(("keep.txt",), is_dir=False) is False
    assert rules.excluded(("only-root",), is_dir=True) is True
    assert rules.excluded(("x", "only-root"), is_dir=True) is False
    assert rules.excluded(("only-root",), is_dir=False) is False


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("**/tmp", ("a", "b", "tmp"), True),
    ("docs/**", ("docs", "x", "y.md"), True),
    ("a/**/z", ("a", "z"), True),
    ("a/**/z", ("a", "b", "c", "z"), True),
    ("f?o", ("foo",), True),
    ("f[a-c]o", ("fbo",), True),
    ("f[!a-c]o", ("fbo",), False),
    ("\\#hash", ("#hash",), True),
    ("*.yaml", ("deep", "x.yaml"), True),
    ("dir/*.yaml", ("dir", "sub", "x.yaml"), False),
])
def test_gitignore_syntax(pattern: str, path: tuple[str, ...], hit: bool) -> None:
    rules = ignore.Rules(spec_ignore=pattern)
    assert rules.excluded(path, is_dir=False) is hit


def test_walk_reads_sourceignore_per_directory_and_skips_symlinks(tmp_path: Path) -> None:
    (tmp_path / "apps" / "big").mkdir(parents=True)
    (tmp_path / "apps" / ".sourceignore").write_text("big/\n*.log\n")
    (tmp_path / "apps" / "big" / "blob").write_text("x")
    (tmp_path / "apps" / "a.log").write_text("x")
    (tmp_path / "apps" / "a.yaml").write_text("x")
    (tmp_path / "b.log").write_text("x")  # the nested .sourceignore does not reach up
    (tmp_path / "link").symlink_to("/etc/passwd")
    (tmp_path / "dirlink").symlink_to(tmp_path / "apps")
    files = [p for p, _ in ignore.walk(tmp_path, spec_ignore=None)]
    assert files == ["apps/.sourceignore", "apps/a.yaml", "b.log"]


def test_spec_ignore_overrides_sourceignore(tmp_path: Path) -> None:
    (tmp_path / ".sourceignore").write_text("*.yaml\n")
    (tmp_path / "a.yaml").write_text("x")
    files = [p for p, _ in ignore.walk(tmp_path, spec_ignore="!a.yaml\n")]
    assert "a.yaml" in files
