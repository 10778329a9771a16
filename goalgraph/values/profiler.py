"""Value profiles of free text: which values an answer speaks for, as a distribution over a theory's values.

Two ways to get a distribution, both on top of a sentence embedder (`goalgraph.runtime.embeddings.Embedder`):

- **zero-shot** (`ZeroShotProfiler`): every value has a written description; an answer's distribution is
  `softmax(cos(answer, anchor_v) / T)` over the values v, where `anchor_v` is the description's embedding (by
  default the normalised mean of its sentences' embeddings). T defaults to 0.05 (`DEFAULT_TEMPERATURE`, see
  its comment); larger T flattens the distribution, smaller T sharpens it towards the single closest value.
- **supervised** (`SupervisedProfiler`): a linear head (multinomial logistic regression on the embeddings)
  trained on labelled (text, value) examples, which `load_valuenet` and `load_touche` read from a
  ValueNet-like or a Touché23-ValueEval-like layout; the held-out macro-F1 is reported with the head.

A profile of several answers is the per-answer distributions and their mean, reported in the theory's
dimension order (`SCHWARTZ_VALUES`: the graph's circumplex order; `MORAL_FOUNDATIONS`: care, fairness,
loyalty, authority, sanctity); `Profile.vector(theory)` turns one into a `goalgraph.values.ValueVector`.

This module imports numpy and torch only inside the functions that need them; the descriptions themselves
live with the component that uses them (the built-in `value-profile` evaluator ships its own).
"""
from __future__ import annotations

import csv
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from goalgraph.errors import EvaluationError

__all__ = [
    "DEFAULT_TEMPERATURE", "MORAL_FOUNDATIONS", "SCHWARTZ_VALUES", "THEORY_VALUES", "LabelledText", "LinearHead",
    "Profile", "SupervisedProfiler", "ZeroShotProfiler", "confusion_matrix", "holdout_split", "load_labelled",
    "load_touche", "load_valuenet", "macro_f1", "mean_distribution", "normalise_value", "softmax",
    "split_sentences", "theory_values",
]

# Schwartz: the graph's circumplex order (gg:circumplexIndex 1-10, as `goalgraph.values.load_theory` returns it).
# Moral foundations: the usual order of the MFQ and of goalgraph_builtins.mfq (the graph gives them no index).
SCHWARTZ_VALUES: tuple[str, ...] = ("self-direction", "stimulation", "hedonism", "achievement", "power", "security",
                                    "conformity", "tradition", "benevolence", "universalism")
MORAL_FOUNDATIONS: tuple[str, ...] = ("care", "fairness", "loyalty", "authority", "sanctity")
THEORY_VALUES: dict[str, tuple[str, ...]] = {"schwartz": SCHWARTZ_VALUES, "mft": MORAL_FOUNDATIONS}

# all-MiniLM-L6-v2 and its siblings were trained with an in-batch contrastive loss on cosine similarities
# multiplied by 20 (the `--scale 20` default of the training script published with them, also the default of
# sentence-transformers' MultipleNegativesRankingLoss): cos/0.05 is the scale on which the model learned to
# rank candidates with a softmax. Cosines of an answer to ten value descriptions typically spread over
# 0.1-0.3, so T = 1 would give an almost uniform distribution and T = 0.01 an almost one-hot one; 0.05 keeps a
# clear-cut answer's top value at roughly 0.4-0.8 and leaves a mixed answer visibly mixed.
DEFAULT_TEMPERATURE = 0.05


def theory_values(theory: str) -> tuple[str, ...]:
    try:
        return THEORY_VALUES[theory]
    except KeyError:
        raise EvaluationError(f"unknown value theory {theory!r} (choose from {', '.join(THEORY_VALUES)})") from None


# -- distributions ----------------------------------------------------------------------------------------------
def softmax(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    """exp(s_i / T) / sum_j exp(s_j / T), computed after subtracting the maximum (no overflow)."""
    if temperature <= 0 or not math.isfinite(temperature):
        raise EvaluationError(f"softmax temperature must be a positive number, not {temperature!r}")
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def mean_distribution(distributions: Sequence[Sequence[float]]) -> list[float]:
    """The component-wise mean of equal-length distributions (empty input: an empty list)."""
    if not distributions:
        return []
    width = len(distributions[0])
    if any(len(d) != width for d in distributions):
        raise EvaluationError("distributions of different lengths cannot be averaged")
    return [math.fsum(d[k] for d in distributions) / len(distributions) for k in range(width)]


def _softmax_rows(scores: Any, temperature: float) -> Any:
    import numpy as np

    if temperature <= 0 or not math.isfinite(temperature):
        raise EvaluationError(f"softmax temperature must be a positive number, not {temperature!r}")
    z = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Profile:
    """Per-text distributions over `values` (rows in the order of the texts, columns in the theory's order)."""

    values: tuple[str, ...]
    distributions: list[list[float]]
    texts: list[str] = field(default_factory=list)

    @property
    def mean(self) -> list[float]:
        return mean_distribution(self.distributions)

    def as_dict(self, row: int | None = None) -> dict[str, float]:
        """Value → probability for one text (`row`), or of the mean; in the theory's order."""
        vector = self.mean if row is None else self.distributions[row]
        return dict(zip(self.values, vector))

    def top(self, row: int | None = None) -> str:
        vector = self.mean if row is None else self.distributions[row]
        return self.values[max(range(len(vector)), key=vector.__getitem__)]

    @property
    def tops(self) -> list[str]:
        return [self.top(i) for i in range(len(self.distributions))]

    def vector(self, theory: Any, row: int | None = None) -> Any:
        """The mean (or one text's) distribution as a `goalgraph.values.ValueVector` of `theory` (a Theory from
        `goalgraph.values.load_theory`), for distances to targets and radar charts."""
        from goalgraph.values.vectors import ValueVector

        return ValueVector(theory, self.as_dict(row))


# -- zero-shot --------------------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')]))\s+(?=[A-Z0-9\"'(])")


def split_sentences(text: str) -> list[str]:
    """A description split at sentence ends (., ! or ?, perhaps closing a quote or bracket, then space and a
    capital, digit or opening quote); no empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


class ZeroShotProfiler:
    """Distributions from cosine similarity to value descriptions.

    `descriptions` maps value → text (or a list of texts), in the order the vector should have. `anchor` says
    how a description becomes one vector: `sentences` (default) embeds each sentence and takes the normalised
    mean, so every sentence pulls equally and none is cut by the model's window; `whole` embeds the text as
    one passage.
    """

    def __init__(self, embedder: Any, descriptions: Mapping[str, str | Sequence[str]], *,
                 temperature: float = DEFAULT_TEMPERATURE, anchor: str = "sentences"):
        import numpy as np

        if not descriptions:
            raise EvaluationError("the zero-shot profiler needs at least one value description")
        if anchor not in ("sentences", "whole"):
            raise EvaluationError(f"anchor must be 'sentences' or 'whole', not {anchor!r}")
        softmax([0.0], temperature)                   # validates the temperature
        self.embedder, self.temperature, self.anchor = embedder, float(temperature), anchor
        self.values = tuple(descriptions)
        pieces: list[str] = []
        owner: list[int] = []
        for k, value in enumerate(self.values):
            texts = descriptions[value]
            texts = [texts] if isinstance(texts, str) else list(texts)
            parts = [p for t in texts for p in (split_sentences(t) if anchor == "sentences" else [t.strip()]) if p]
            if not parts:
                raise EvaluationError(f"the description of {value!r} is empty")
            pieces.extend(parts)
            owner.extend([k] * len(parts))
        vectors = np.asarray(embedder.encode_array(pieces), dtype=np.float64)
        anchors = np.zeros((len(self.values), vectors.shape[1]))
        np.add.at(anchors, np.asarray(owner), vectors)
        anchors /= np.linalg.norm(anchors, axis=1, keepdims=True)
        self.anchors = anchors.astype(np.float32)

    def similarities(self, texts: Sequence[str]) -> Any:
        """Cosine similarity of each text to each value's anchor: a numpy array (len(texts), len(values))."""
        x = self.embedder.encode_array(list(texts))
        return x @ self.anchors.T

    def profile(self, texts: Sequence[str]) -> Profile:
        texts = list(texts)
        if not texts:
            return Profile(self.values, [], [])
        probs = _softmax_rows(self.similarities(texts), self.temperature)
        return Profile(self.values, probs.tolist(), texts)

    def distribution(self, text: str) -> dict[str, float]:
        return self.profile([text]).as_dict(0)

    def describe(self) -> dict[str, Any]:
        return {"mode": "zero-shot", "values": list(self.values), "temperature": self.temperature,
                "anchor": self.anchor}


# -- labelled data ----------------------------------------------------------------------------------------------
class LabelledText(NamedTuple):
    """One training example: `text` expresses `value` (a text with several values is several examples)."""

    text: str
    value: str


def normalise_value(name: Any, values: Sequence[str] = SCHWARTZ_VALUES) -> str | None:
    """A value name as the theory spells it, or None: case, spaces, underscores and a `Value: subvalue` suffix
    do not matter (`SELF_DIRECTION`, `Self-direction: thought` → `self-direction`)."""
    if name is None:
        return None
    key = re.sub(r"[\s_]+", "-", str(name).split(":", 1)[0].strip().lower())
    key = {"selfdirection": "self-direction", "harm": "care", "care-harm": "care", "fairness-cheating": "fairness",
           "loyalty-betrayal": "loyalty", "ingroup": "loyalty", "authority-subversion": "authority",
           "purity": "sanctity", "sanctity-degradation": "sanctity"}.get(key, key)
    return key if key in values else None


def _read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a .csv, .tsv, .jsonl or .json file (a TSV is any file whose first line has a tab)."""
    if not path.is_file():
        raise EvaluationError(f"labelled data file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            with path.open(encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            data = data.get("data", data) if isinstance(data, dict) else data
            if not isinstance(data, list):
                raise EvaluationError(f"{path}: expected a list of records")
            return data
        with path.open(newline="", encoding="utf-8-sig") as fh:
            first = fh.readline()
            fh.seek(0)
            delimiter = "\t" if suffix == ".tsv" or "\t" in first else ","
            return [dict(row) for row in csv.DictReader(fh, delimiter=delimiter)]
    except (json.JSONDecodeError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationError(f"cannot read labelled data {path}: {type(exc).__name__}: {exc}") from None


def _column(row: Mapping[str, Any], names: Sequence[str], path: Path, n: int) -> Any:
    for name in names:
        for key in row:
            if key is not None and key.strip().lower() == name:
                return row[key]
    raise EvaluationError(f"{path}: row {n} has no {' / '.join(names)} column (has: {', '.join(map(str, row))})")


def load_valuenet(path: str | Path, values: Sequence[str] = SCHWARTZ_VALUES,
                  keep: Iterable[int] = (1,)) -> list[LabelledText]:
    """Examples from a ValueNet-like table: one row per (text, value) judgement with a label in {-1, 0, 1}
    (the text goes against the value, is unrelated to it, or supports it).

    Columns (case-insensitive): `text` (or `scenario`, `sentence`), `value`, `label`; .csv, .tsv, .jsonl or .json.
    Only rows whose label is in `keep` become examples (default: supporting rows only: a text that opposes a
    value is not an example of any other value); a repeated (text, value) pair counts once. A value the theory
    lacks is an error naming the row.
    """
    path, keep = Path(path), {int(k) for k in keep}
    out: list[LabelledText] = []
    seen: set[LabelledText] = set()
    for n, row in enumerate(_read_table(path), 1):
        text = _column(row, ("text", "scenario", "sentence"), path, n)
        raw_value = _column(row, ("value", "schwartz_value"), path, n)
        raw_label = _column(row, ("label", "score"), path, n)
        try:
            label = int(float(raw_label))
        except (TypeError, ValueError):
            raise EvaluationError(f"{path}: row {n}: label {raw_label!r} is not -1, 0 or 1") from None
        if label not in (-1, 0, 1):
            raise EvaluationError(f"{path}: row {n}: label {label} is not -1, 0 or 1")
        value = normalise_value(raw_value, values)
        if value is None:
            raise EvaluationError(f"{path}: row {n}: unknown value {raw_value!r} (known: {', '.join(values)})")
        example = LabelledText(str(text or "").strip(), value)
        if label in keep and example.text and example not in seen:
            seen.add(example)
            out.append(example)
    return out


def load_touche(arguments: str | Path, labels: str | Path, values: Sequence[str] = SCHWARTZ_VALUES, *,
                text: str = "premise", mapping: Mapping[str, str | None] | None = None) -> list[LabelledText]:
    """Examples from a Touché23-ValueEval-like pair of tables, joined on `Argument ID`.

    `arguments`: columns `Argument ID`, `Conclusion`, `Stance`, `Premise` (tab-separated in the task's release).
    `labels`: `Argument ID` and one 0/1 column per value. Columns are mapped to the theory's values by their
    name before a colon (`Security: personal` → security), so the task's 20 value categories fold into the ten
    basic values; `Face` and `Humility`, which sit between basic values in the refined theory, are dropped
    unless `mapping` names a value for them (`mapping={"Face": "power"}`; None drops a column). An argument
    with several 1s is one example per value; one with none is skipped.

    `text`: `premise` (the premise alone, default) or `argument` (`premise (stance: conclusion)`).
    """
    if text not in ("premise", "argument"):
        raise EvaluationError(f"text must be 'premise' or 'argument', not {text!r}")
    arg_path, lab_path = Path(arguments), Path(labels)
    args: dict[str, str] = {}
    for n, row in enumerate(_read_table(arg_path), 1):
        key = str(_column(row, ("argument id",), arg_path, n)).strip()
        premise = str(_column(row, ("premise",), arg_path, n) or "").strip()
        if text == "argument":
            stance = str(_column(row, ("stance",), arg_path, n) or "").strip()
            conclusion = str(_column(row, ("conclusion",), arg_path, n) or "").strip()
            premise = f"{premise} ({stance}: {conclusion})"
        args[key] = premise
    mapping = dict(mapping or {})
    out: list[LabelledText] = []
    columns: dict[str, str | None] | None = None
    for n, row in enumerate(_read_table(lab_path), 1):
        if columns is None:
            columns = {}
            for col in row:
                if col is None or col.strip().lower() == "argument id":
                    continue
                target = mapping[col] if col in mapping else normalise_value(col, values)
                columns[col] = normalise_value(target, values) if target is not None else None
            if not any(columns.values()):
                raise EvaluationError(f"{lab_path}: no column names a value of the theory ({', '.join(values)})")
        key = str(_column(row, ("argument id",), lab_path, n)).strip()
        if key not in args:
            raise EvaluationError(f"{lab_path}: row {n}: argument {key!r} is not in {arg_path}")
        hit: list[str] = []
        for col, value in columns.items():
            if value is None or value in hit:
                continue
            cell = str(row.get(col, "") or "0").strip()
            if cell not in ("0", "1", "0.0", "1.0"):
                raise EvaluationError(f"{lab_path}: row {n}: column {col!r} holds {cell!r}, not 0 or 1")
            if float(cell) == 1.0:
                hit.append(value)
        if args[key]:
            out.extend(LabelledText(args[key], v) for v in hit)
    return out


def load_labelled(path: str | Path, labels: str | Path | None = None, values: Sequence[str] = SCHWARTZ_VALUES,
                  **kwargs: Any) -> list[LabelledText]:
    """ValueNet-like when only `path` is given, Touché-like (`path` = arguments, `labels`) when both are."""
    return load_touche(path, labels, values, **kwargs) if labels is not None else load_valuenet(path, values, **kwargs)


# -- held-out evaluation ----------------------------------------------------------------------------------------
def holdout_split(examples: Sequence[LabelledText], fraction: float = 0.2,
                  seed: int = 0) -> tuple[list[LabelledText], list[LabelledText]]:
    """(train, test): every example of one text on the same side (no text is in both), stratified by the
    first value of each text; from each value's texts round(fraction · n) go to test (at least one when the
    value has two or more texts). Deterministic for a given seed."""
    if not 0 <= fraction < 1:
        raise EvaluationError(f"holdout fraction must be in [0, 1), not {fraction}")
    groups: dict[str, list[LabelledText]] = {}
    for ex in examples:
        groups.setdefault(ex.text, []).append(ex)
    by_value: dict[str, list[str]] = {}
    for text, rows in groups.items():
        by_value.setdefault(rows[0].value, []).append(text)
    rng = random.Random(seed)
    test_texts: set[str] = set()
    for value in sorted(by_value):
        texts = sorted(by_value[value])
        rng.shuffle(texts)
        k = round(fraction * len(texts))
        if fraction > 0 and k == 0 and len(texts) >= 2:
            k = 1
        test_texts.update(texts[:k])
    train = [ex for ex in examples if ex.text not in test_texts]
    test = [ex for ex in examples if ex.text in test_texts]
    return train, test


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """counts[i][j] = how many items of gold label i were predicted as j."""
    index = {label: k for k, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        counts[index[g]][index[p]] += 1
    return counts


def macro_f1(gold: Sequence[str], pred: Sequence[str],
             labels: Sequence[str] | None = None) -> tuple[float, dict[str, float]]:
    """(macro-F1, per-label F1). Each label's F1 = 2·TP / (2·TP + FP + FN) (0 when it never occurs in gold or
    predictions); the macro mean is over `labels`, by default the labels that occur in gold or predictions
    (as scikit-learn does), so a value absent from the held-out set and never predicted does not count."""
    if len(gold) != len(pred):
        raise EvaluationError("gold and predicted labels differ in length")
    if labels is None:
        labels = sorted(set(gold) | set(pred))
    per: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        per[label] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return (math.fsum(per.values()) / len(per) if per else 0.0), per


# -- the linear head --------------------------------------------------------------------------------------------
class LinearHead:
    """Multinomial logistic regression: p(value | x) = softmax(W x + b), W of shape (values, dim).

    `fit` minimises the mean cross-entropy plus `l2`/2 · ||W||² (the bias is not penalised) with full-batch
    L-BFGS in float64 from zeros: the problem is convex and every step is deterministic, so the same data and
    seed give the same head. `balanced` weights each example by n / (k · n_value) so rare values count as much
    as common ones (what macro-F1 rewards).
    """

    def __init__(self, values: Sequence[str], weight: Sequence[Sequence[float]], bias: Sequence[float],
                 meta: dict[str, Any] | None = None):
        self.values = tuple(values)
        self.weight = [list(map(float, row)) for row in weight]
        self.bias = [float(b) for b in bias]
        self.meta = dict(meta or {})
        if len(self.weight) != len(self.values) or len(self.bias) != len(self.values):
            raise EvaluationError("a linear head needs one weight row and one bias per value")

    @classmethod
    def fit(cls, x: Any, labels: Sequence[str], values: Sequence[str], *, l2: float = 1e-3, max_iter: int = 300,
            balanced: bool = True, seed: int = 0) -> "LinearHead":
        import numpy as np
        import torch

        values = tuple(values)
        index = {v: k for k, v in enumerate(values)}
        unknown = sorted({y for y in labels if y not in index})
        if unknown:
            raise EvaluationError(f"labels not among the values: {', '.join(unknown)}")
        if len(labels) == 0:
            raise EvaluationError("no training examples")
        torch.manual_seed(seed)
        xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
        yt = torch.as_tensor([index[y] for y in labels], dtype=torch.long)
        counts = torch.bincount(yt, minlength=len(values)).double()
        if balanced:
            present = int((counts > 0).sum())
            per_class = torch.where(counts > 0, len(labels) / (present * counts.clamp(min=1)), torch.zeros_like(counts))
        else:
            per_class = torch.ones_like(counts)
        sample_w = per_class[yt]
        w = torch.zeros(len(values), xt.shape[1], dtype=torch.float64, requires_grad=True)
        b = torch.zeros(len(values), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=max_iter, tolerance_grad=1e-9, tolerance_change=1e-12,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure() -> Any:
            opt.zero_grad()
            nll = torch.nn.functional.cross_entropy(xt @ w.T + b, yt, reduction="none")
            loss = (nll * sample_w).sum() / sample_w.sum() + 0.5 * l2 * (w * w).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            nll = torch.nn.functional.cross_entropy(xt @ w.T + b, yt, reduction="none")
            final = float((nll * sample_w).sum() / sample_w.sum() + 0.5 * l2 * (w * w).sum())
        meta = {"l2": l2, "balanced": balanced, "seed": seed, "n_train": len(labels), "final_loss": final,
                "class_counts": {v: int(c) for v, c in zip(values, counts.tolist())}}
        return cls(values, w.detach().tolist(), b.detach().tolist(), meta)

    def logits(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x, dtype=np.float64) @ np.asarray(self.weight).T + np.asarray(self.bias)

    def predict_proba(self, x: Any) -> Any:
        return _softmax_rows(self.logits(x), 1.0)

    def predict(self, x: Any) -> list[str]:
        return [self.values[k] for k in self.logits(x).argmax(axis=1)]

    def to_dict(self) -> dict[str, Any]:
        return {"format": "goalgraph-linear-head/1", "values": list(self.values), "weight": self.weight,
                "bias": self.bias, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LinearHead":
        if data.get("format") != "goalgraph-linear-head/1":
            raise EvaluationError("not a goalgraph linear head (format goalgraph-linear-head/1)")
        return cls(data["values"], data["weight"], data["bias"], data.get("meta"))

    def save(self, path: str | Path) -> None:
        from goalgraph.util.atomic import write_text_atomic

        write_text_atomic(Path(path), json.dumps(self.to_dict()) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "LinearHead":
        p = Path(path)
        if not p.is_file():
            raise EvaluationError(f"linear head file not found: {p}")
        try:
            return cls.from_dict(json.loads(p.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvaluationError(f"cannot read linear head {p}: {type(exc).__name__}: {exc}") from None


class SupervisedProfiler:
    """Distributions from a trained `LinearHead` over an embedder's vectors: softmax(W·embed(text) + b).

    `train(embedder, examples)` splits the examples (`holdout_split`), fits the head on the training part and
    reports accuracy and macro-F1 on the held-out part in `self.report`; the head kept is the one that was
    evaluated (it is not refitted on all data, so the reported F1 is the F1 of the head in use). Held-out
    examples are scored one per (text, value) row: a text with two values is two rows, and the single top
    prediction can be right for at most one of them.
    """

    def __init__(self, embedder: Any, head: LinearHead, report: dict[str, Any] | None = None):
        fp = head.meta.get("embedder_fingerprint")
        if fp and getattr(embedder, "fingerprint", fp) != fp:
            raise EvaluationError(f"this head was trained on the embeddings of {head.meta.get('embedder', '?')!r}"
                                  f" (fingerprint {fp[:12]}), not on those of {getattr(embedder, 'name', '?')!r}")
        self.embedder, self.head, self.values = embedder, head, head.values
        self.report = dict(report or head.meta.get("report") or {})

    @classmethod
    def train(cls, embedder: Any, examples: Sequence[LabelledText], values: Sequence[str] = SCHWARTZ_VALUES, *,
              holdout: float = 0.2, seed: int = 0, l2: float = 1e-3, balanced: bool = True,
              max_iter: int = 300) -> "SupervisedProfiler":
        if not examples:
            raise EvaluationError("no labelled examples to train on")
        train, test = holdout_split(examples, holdout, seed)
        if not train:
            raise EvaluationError("the held-out split left no training examples")
        texts = sorted({ex.text for ex in examples})
        vectors = dict(zip(texts, embedder.encode_array(texts)))
        head = LinearHead.fit([vectors[ex.text] for ex in train], [ex.value for ex in train], values, l2=l2,
                              max_iter=max_iter, balanced=balanced, seed=seed)
        report: dict[str, Any] = {"n_examples": len(examples), "n_train": len(train), "n_test": len(test),
                                  "holdout": holdout, "seed": seed}
        if test:
            gold = [ex.value for ex in test]
            pred = head.predict([vectors[ex.text] for ex in test])
            score, per = macro_f1(gold, pred)
            report.update(macro_f1=score, accuracy=sum(g == p for g, p in zip(gold, pred)) / len(gold),
                          f1=per, labels=list(per), confusion=confusion_matrix(gold, pred, list(values)))
        head.meta.update(report=report, embedder=getattr(embedder, "name", None),
                         embedder_fingerprint=getattr(embedder, "fingerprint", None))
        return cls(embedder, head, report)

    def profile(self, texts: Sequence[str]) -> Profile:
        texts = list(texts)
        if not texts:
            return Profile(self.values, [], [])
        return Profile(self.values, self.head.predict_proba(self.embedder.encode_array(texts)).tolist(), texts)

    def distribution(self, text: str) -> dict[str, float]:
        return self.profile([text]).as_dict(0)

    def describe(self) -> dict[str, Any]:
        return {"mode": "supervised", "values": list(self.values),
                "macro_f1": self.report.get("macro_f1"), "n_train": self.report.get("n_train")}


# -- command line -----------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """`python -m goalgraph.values.profiler train DATA [--labels FILE] --out head.json`: train and save a head."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m goalgraph.values.profiler")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a linear head on labelled (text, value) data")
    t.add_argument("data", help="ValueNet-like table, or Touché-like arguments table (with --labels)")
    t.add_argument("--labels", help="Touché-like labels table (one 0/1 column per value)")
    t.add_argument("--theory", default="schwartz", choices=sorted(THEORY_VALUES))
    t.add_argument("--out", required=True, help="where to write the head (JSON)")
    t.add_argument("--embedding-model", default=None, help="sentence-transformers model (default: bundled MiniLM)")
    t.add_argument("--holdout", type=float, default=0.2)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--l2", type=float, default=1e-3)
    args = parser.parse_args(argv)
    try:
        from goalgraph.runtime.embeddings import Embedder

        values = theory_values(args.theory)
        examples = load_labelled(args.data, args.labels, values)
        embedder = Embedder.load(args.embedding_model, device="auto")
        prof = SupervisedProfiler.train(embedder, examples, values, holdout=args.holdout, seed=args.seed, l2=args.l2)
        prof.head.save(args.out)
    except EvaluationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    r = prof.report
    print(f"examples {r['n_examples']}  train {r['n_train']}  held out {r['n_test']}")
    if "macro_f1" in r:
        print(f"held-out macro-F1 {r['macro_f1']:.4f}  accuracy {r['accuracy']:.4f}")
    print(f"head written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
