"""The shipped reply-intent model: linear weights, scored in pure Python.

``outreach/data/intent_model.json.gz`` is written by ``scripts/train_intent.py`` (a linear
SVM from scikit-learn over :mod:`intent_features`); reading it needs only the standard
library. Confidences are the softmax of the linear scores divided by a temperature fitted
on cross-validated predictions (lowest log-loss), so they are calibrated probabilities.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

MODEL_RESOURCE = "data/intent_model.json.gz"
FORMAT = "outreach-intent-linear/1"


@dataclass(frozen=True, slots=True)
class Scored:
    """Probabilities per class, best first, with the features that pushed the best one."""

    ranked: tuple[tuple[str, float], ...]
    top_features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Multinomial linear model over named features (weights are ints times ``scale``)."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, list[int]]
    scale: float
    temperature: float
    threshold: float
    """Below this probability the answer is ``other`` and needs review (chosen by CV)."""

    def score(self, found: Mapping[str, float], top: int = 3) -> Scored:
        """Class probabilities for one feature vector."""
        totals = [0.0] * len(self.classes)
        hits: list[tuple[str, float, list[int]]] = []
        for name, value in found.items():
            row = self.weights.get(name)
            if row is not None:
                hits.append((name, value, row))
                for index, weight in enumerate(row):
                    totals[index] += value * weight
        logits = [
            (b + t * self.scale) / self.temperature for b, t in zip(self.bias, totals, strict=True)
        ]
        probabilities = _softmax(logits)
        ranked = sorted(zip(self.classes, probabilities, strict=True), key=lambda p: -p[1])
        best = self.classes.index(ranked[0][0])
        pushes = sorted(hits, key=lambda hit: -hit[1] * hit[2][best])
        telling = [name for name, value, row in pushes if value * row[best] > 0 and _telling(name)]
        return Scored(tuple(ranked), tuple(describe(name) for name in telling[:top]))


def _telling(feature: str) -> bool:
    """Worth showing a person: not a bare digit run or a two-letter fragment."""
    value = feature.partition(":")[2].strip()
    return len(value) >= 3 and not set(value) <= set("0 ")


def describe(feature: str) -> str:
    """A feature name as a person reads it: ``words "kein interesse"``, ``rule date_month``."""
    kind, _, value = feature.partition(":")
    if kind == "w":
        return f'words "{value}"'
    if kind == "c":
        return f'letters "{value.strip()}"'
    return f"rule {value}"


@functools.cache
def shipped_model() -> LinearModel:
    """The model inside the package (read once)."""
    data = resources.files("outreach").joinpath(MODEL_RESOURCE).read_bytes()
    return model_from_bytes(data)


def model_from_bytes(data: bytes) -> LinearModel:
    """A model from the bytes ``scripts/train_intent.py`` writes."""
    raw: dict[str, Any] = json.loads(gzip.decompress(data))
    if raw.get("format") != FORMAT:
        raise ValueError(f"intent model: format {raw.get('format')!r}, expected {FORMAT!r}")
    return LinearModel(
        classes=tuple(raw["classes"]),
        bias=tuple(float(b) for b in raw["bias"]),
        weights=raw["weights"],
        scale=float(raw["scale"]),
        temperature=float(raw["temperature"]),
        threshold=float(raw["threshold"]),
    )


def _softmax(logits: list[float]) -> list[float]:
    peak = max(logits)
    exps = [math.exp(value - peak) for value in logits]
    total = sum(exps)
    return [value / total for value in exps]
