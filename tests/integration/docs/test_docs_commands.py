"""Every command in the docs runs, in document order, against one real demo environment.

The commands are the ``$ ...`` lines of the ```console blocks of README.md and docs/*.md
(README first, then ``PAGES``; the generated docs/cli.md has none). They run in a shell (as
the reader types them) in ONE isolated demo: ``tether demo up`` with its own state and dev
cluster directories, ``KUBECONFIG`` pointing at that cluster and the demo's working copy of
the monorepo as the current directory; ``tether demo down`` at the end.

Conventions in the Markdown:

- a command ends with ``# exit N`` when it is expected to exit with N (``diff`` with changes);
- a line ending with ``\\`` continues on the next line; a heredoc (``<<'EOF'``) takes the
  following lines up to its terminator;
- a block that cannot run here (``bootstrap github`` needs GitHub; ``make demo``) is preceded
  by ``<!-- exercised-by: tests/...py::test_name -->`` naming the test that runs it; this
  test checks that the named test exists (or, for a plain file such as ``.ci/run``, that the
  file runs the command).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PAGES = ("sources.md", "kustomizations.md", "dependson.md", "health.md", "prune.md",
         "coming-from-flux.md", "limits.md")
"""docs/ pages in the order their commands run (mutating pages clean up after themselves)."""
GENERATED = ("cli.md",)
"""Generated from the CLI (scripts/gen_cli_reference.py); no commands to run."""
INDEX = ("README.md",)
"""docs/README.md: the reading order; no commands."""

EXPECT_OUTPUT = (
    ("docs/dependson.md", "tether create ks partner", "dependency cycle detected"),
    ("docs/health.md", "tether events --for Kustomization/hello-staging --types Warning",
     "HealthCheckFailed"),
    ("docs/prune.md", "tether demo change", "pruned (removed from Git)"),
)
"""(page, command prefix, text its output must contain): what the prose promises."""

_FENCE = re.compile(r"^```(\S*)\s*$")
_EXERCISED = re.compile(r"<!--\s*exercised-by:\s*(\S+)\s*-->")
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


@dataclass(frozen=True)
class Command:
    """One documented command: where it is, what to run, the exit code it must end with."""

    page: str
    line: int
    text: str
    exit_code: int = 0

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: $ {self.text}"


@dataclass(frozen=True)
class Block:
    """A fenced block: its language, first line number, lines, and exercised-by reference."""

    page: str
    line: int
    lang: str
    lines: tuple[str, ...]
    exercised_by: str | None


def blocks(page: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown page, each with the exercised-by comment above it."""
    name = str(page.relative_to(REPO))
    lines = page.read_text().splitlines()
    pending: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            found = _EXERCISED.search(line)
            if found:
                pending = found.group(1)
            elif line.strip() and not line.lstrip().startswith("<!--"):
                pending = None  # the reference only covers the block right below it
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        yield Block(name, start, fence.group(1), tuple(body), pending)
        pending = None
        i += 1


def commands(block: Block) -> Iterator[Command]:
    """The ``$ `` commands of a console block (continuations and heredocs joined)."""
    i = 0
    while i < len(block.lines):
        line = block.lines[i]
        number = block.line + i + 1
        i += 1
        if not line.startswith("$ "):
            continue
        text = line[2:]
        while text.endswith("\\") and i < len(block.lines):
            text = text[:-1] + block.lines[i].strip()
            i += 1
        heredoc = _HEREDOC.search(text)
        if heredoc:
            body = []
            while i < len(block.lines) and block.lines[i] != heredoc.group(1):
                body.append(block.lines[i])
                i += 1
            text = "\n".join([text, *body, heredoc.group(1)])
            i += 1
        expected = _EXIT.search(text.splitlines()[0])
        code = int(expected.group(1)) if expected else 0
        yield Command(block.page, number, text, code)


def documented_pages() -> list[Path]:
    return [REPO / "README.md", *(REPO / "docs" / name for name in PAGES)]


def collect() -> tuple[list[Command], list[Block]]:
    """Commands to run and blocks exercised elsewhere, in document order."""
    to_run: list[Command] = []
    elsewhere: list[Block] = []
    for page in documented_pages():
        for block in blocks(page):
            if block.exercised_by is not None:
                elsewhere.append(block)
            elif block.lang == "console":
                to_run.extend(commands(block))
    return to_run, elsewhere


# ----------------------------------------------------------------------------- no cluster
def test_every_docs_page_is_run_or_generated() -> None:
    pages = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert pages == sorted(PAGES + GENERATED + INDEX)
    for name in GENERATED + INDEX:
        page = REPO / "docs" / name
        assert not [c for b in blocks(page) if b.lang == "console" for c in commands(b)]


def test_every_concept_page_shows_commands() -> None:
    to_run, _ = collect()
    for name in PAGES:
        assert any(c.page == f"docs/{name}" for c in to_run), f"docs/{name} runs no command"


def test_exercised_by_references_exist() -> None:
    _, elsewhere = collect()
    assert elsewhere, "README's bootstrap github / make demo blocks should name their tests"
    for block in elsewhere:
        assert block.exercised_by is not None
        path, _, test_name = block.exercised_by.partition("::")
        target = REPO / path
        assert target.is_file(), f"{block.page}:{block.line}: {path} does not exist"
        text = target.read_text()
        if test_name:
            assert re.search(rf"^(async )?def {re.escape(test_name)}\(", text, re.MULTILINE), (
                f"{block.page}:{block.line}: no test {test_name} in {path}")
        else:
            for line in block.lines:
                command = line.removeprefix("$ ").strip()
                if command and not line.startswith(("#", " ")):
                    assert command in text, f"{block.page}:{block.line}: {path} lacks {command}"


def test_relative_links_resolve() -> None:
    for page in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


# ----------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One isolated demo for all the docs' commands; torn down at the end."""
    root = tmp_path_factory.mktemp("docs-demo")
    env = dict(os.environ, TETHER_DEMO_DIR=str(root / "demo"),
               TETHER_DEV_CLUSTER_DIR=str(root / "cluster"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               KUBECONFIG=str(root / "cluster" / "kubeconfig"),
               GIT_AUTHOR_NAME="Docs Reader", GIT_AUTHOR_EMAIL="reader@tether.invalid",
               GIT_COMMITTER_NAME="Docs Reader", GIT_COMMITTER_EMAIL="reader@tether.invalid")
    env.pop("TETHER_LOG_FILE", None)
    tether = [sys.executable, "-m", "tether"]
    up = subprocess.run([*tether, "demo", "up"], capture_output=True, text=True, env=env,
                        timeout=900, check=False)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        env["TETHER_DOCS_WORKDIR"] = str(root / "demo" / "homelab")
        yield env
    finally:
        down = subprocess.run([*tether, "demo", "down"], capture_output=True, text=True,
                              env=env, timeout=300, check=False)
        assert down.returncode == 0, down.stdout + down.stderr


@pytest.mark.cluster
def test_docs_commands_run_in_order(demo_env: dict[str, str]) -> None:
    to_run, _ = collect()
    assert len(to_run) > 30
    workdir = demo_env["TETHER_DOCS_WORKDIR"]
    checked = set()
    for command in to_run:
        result = subprocess.run(["bash", "-c", command.text], cwd=workdir, env=demo_env,
                                capture_output=True, text=True, timeout=300, check=False)
        output = (result.stdout + result.stderr)[-4000:]
        assert result.returncode == command.exit_code, (
            f"{command}\nexit {result.returncode}, expected {command.exit_code}:\n{output}")
        assert "Traceback" not in result.stderr, f"{command}\n{output}"
        for page, prefix, text in EXPECT_OUTPUT:
            if command.page == page and command.text.startswith(prefix):
                assert text in result.stdout + result.stderr, f"{command}: no {text!r}\n{output}"
                checked.add(prefix)
    assert checked == {prefix for _, prefix, _ in EXPECT_OUTPUT}
