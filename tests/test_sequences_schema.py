"""The committed JSON Schema is current, and the example files satisfy it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from outreach.sequences import schema_text, sequence_json_schema, write_schema

ROOT = Path(__file__).parent.parent
SCHEMA = ROOT / "sequences" / "schema.json"


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "sequences/schema.json is stale: run python -c \"from outreach.sequences import "
        "write_schema; write_schema('sequences/schema.json')\"")


def test_write_schema_writes_the_same_text(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    write_schema(target)
    assert target.read_text(encoding="utf-8") == schema_text()


def test_schema_describes_every_field_and_forbids_unknown_keys() -> None:
    schema = sequence_json_schema()
    models = [schema, *schema["$defs"].values()]
    for model in models:
        assert model["additionalProperties"] is False
        for name, field in model["properties"].items():
            assert field.get("description"), name


@pytest.mark.parametrize("path", sorted((ROOT / "sequences").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_examples_satisfy_the_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, sequence_json_schema())


def test_schema_rejects_an_unknown_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    bad = {"name": "x", "steps": [{"subject": "s", "body": "b", "subjct": "typo"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, sequence_json_schema())
