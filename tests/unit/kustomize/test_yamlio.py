"""yamlio: kustomize's YAML reading (yaml.v3 rules, bounded) and writing (yaml.v2 bytes)."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize import yamlio


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("on", "on"),
        ("true", True),
        ("010", 8),
        ("1_000", 1000),
        ("0x1F", 31),
        ("0o17", 15),
        ("1e3", 1000.0),
        ("~", None),
        ("", None),
        ("2020-01-01", "2020-01-01T00:00:00Z"),
        ("'2020-01-01'", "2020-01-01"),
        ("12:30", "12:30"),
    ],
)
def test_load_follows_yaml_v3(text: str, value: object) -> None:
    assert yamlio.load_one(f"k: {text}\n", source="t")["k"] == value


def test_load_yaml11_booleans_for_kustomization_files() -> None:
    assert yamlio.load_one("k: yes\n", source="t", yaml11=True)["k"] is True


def test_duplicate_keys_are_errors_unless_allowed() -> None:
    with pytest.raises(errors.BuildError, match="already defined"):
        yamlio.load_one("a: 1\na: 2\n", source="t")
    assert yamlio.load_one("a: 1\na: 2\n", source="t", allow_duplicates=True) == {"a": 2}


def test_alias_bomb_is_rejected() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(errors.BuildError, match="alias"):
        yamlio.load_one("\n".join(lines) + "\n", source="bomb.yaml")


def test_aliases_are_expanded_into_independent_copies() -> None:
    doc = yamlio.load_one("a: &x {k: v}\nb: *x\n", source="t")
    doc["a"]["k"] = "changed"
    assert doc["b"] == {"k": "v"}


def test_python_tags_are_refused() -> None:
    with pytest.raises(errors.BuildError, match="invalid YAML"):
        yamlio.load_one("!!python/object/apply:os.system ['true']\n", source="evil.yaml")


def test_input_size_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_INPUT_BYTES", 10)
    with pytest.raises(errors.BuildError, match="larger than"):
        yamlio.load_all("a: 0123456789\n", source="big.yaml")


def test_dump_quotes_like_yaml_v2() -> None:
    obj = {
        "a": "yes",
        "b": "0123",
        "c": "@at",
        "d": "",
        "e": None,
        "f": "x\ny\n",
        "g": "😀",
        "h": 1.5,
        "i": 1234567.5,
        "n": "n",
        "j": [],
        "k": {},
    }
    assert yamlio.dump(obj) == (
        'a: "yes"\nb: "0123"\nc: \'@at\'\nd: ""\ne: null\nf: |\n  x\n  y\n'
        'g: "\\U0001F600"\nh: 1.5\ni: 1.2345675e+06\nj: []\nk: {}\n"n": "n"\n'
    )


def test_keys_sort_numerically_and_symbols_first() -> None:
    assert yamlio.sorted_keys(["a10", "a9", "A", "_x", "b"]) == ["_x", "A", "a9", "a10", "b"]


def test_dump_all_joins_documents() -> None:
    assert yamlio.dump_all([{"a": 1}, {"b": 2}]) == "a: 1\n---\nb: 2\n"


def test_infinity_cannot_be_written() -> None:
    with pytest.raises(errors.BuildError):
        yamlio.dump({"a": float("inf")})


def test_go_emitter_quirks() -> None:
    # NEL is folded by yaml.v2 reading Go's JSON; a leading BOM escapes the whole string;
    # characters yaml.v2 cannot read back make kustomize fail.
    assert yamlio.dump({"a": "x\x85y"}) == "a: x y\n"
    assert yamlio.dump({"a": "\ufeffab c"}) == 'a: "\\uFEFF\\x61\\x62\\x20\\x63"\n'
    with pytest.raises(errors.BuildError, match="control characters"):
        yamlio.dump({"a": "\x7f"})
