"""The labelled reply-intent corpus (corpora/intent) stays valid: corpora/intent/check.py passes
on the shipped files and names the problem in a broken one."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpora" / "intent"


def load_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("intent_check", CORPUS / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_corpus_files_pass_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    files = [p for p in (CORPUS / "de.jsonl", CORPUS / "en.jsonl") if p.exists()]
    assert files, "no corpus file found"
    assert load_check().main([str(p) for p in files]) == 0
    assert "total" in capsys.readouterr().out


def test_a_broken_item_is_named_with_its_field(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    first = json.loads((CORPUS / "de.jsonl").read_text(encoding="utf-8").splitlines()[0])
    first["intent"] = "maybe"
    first["referral"] = ["someone@real-company.com"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(first, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_check().main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:1" in err and "field 'intent'" in err and "field 'referral'" in err


def test_german_test_split_has_every_intent() -> None:
    items = [json.loads(line) for line in
             (CORPUS / "de.jsonl").read_text(encoding="utf-8").splitlines()]
    test_intents = {it["intent"] for it in items if it["split"] == "test"}
    assert test_intents == set(load_check().INTENTS)
