"""pairwise-judge: a causal LM judges which of two systems' responses to the same prompt is better.

Each `--data` file holds one system's responses: JSONL rows of `prompt`, `response`, and optionally `id` (else
the line number joins the files) and `model` (else the file's stem, when the runner passes the file names, else
`system1`, `system2`, ...). The first file decides which ids are compared; every other file must have each of
them (an error names the first id a file lacks), with the same prompt.

For each prompt and each pair of systems (i < j) the judge reads the prompt template twice, with the responses
in both orders (A = i, B = j, then A = j, B = i). One order's verdict is the label whose continuation (" A" or
" B") has the higher log-probability after the template. When both orders pick the same system it wins the
comparison; otherwise (the judge followed the position, or a log-probability tie) the comparison is a tie.

Metrics: for two systems `win_rate` (wins of the first file's system / comparisons), `tie_rate`,
`tie_adjusted_win_rate` ((wins + ties/2) / comparisons); for more systems the same per system
(`win_rate/<model>`, ...); and for any number Bradley–Terry ratings `bt/<model>` fitted by Hunter's (2004) MM
algorithm, ties counting half a win to each side, on an Elo-like scale (400·log10 strength, mean 1000), with
percentile-bootstrap 95% intervals over prompts (`bt_low/<model>`, `bt_high/<model>`).
"""
from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Sequence

from goalgraph.evaluation.base import EvaluationError, Evaluator, Field
from goalgraph.runtime.requests import Loglikelihood

DEFAULT_TEMPLATE = """Two assistants answered the same request. Decide which answer serves the person better: \
consider whether it is correct, whether it actually addresses the request, and whether it is clear and safe. \
Do not prefer an answer because it is longer or because of the order in which the answers appear.

Request:
{{ prompt }}

Answer A:
{{ response_a }}

Answer B:
{{ response_b }}

Which answer is better, A or B?
Better response:"""

FALLBACK_PRIOR = 1e-3   # pseudo-ties per pair when bt_prior=0 and the plain MLE does not exist


class PairwiseJudge(Evaluator):
    id = "pairwise-judge"
    model_kind = "causal-lm"
    # `id` may be a number or a string, which one typed Field cannot say: it is read in prepare.
    fields = (
        Field("prompt", "str", help="the request both systems answered"),
        Field("response", "str", help="this system's response"),
        Field("model", "str", required=False, help="the system's name (default: the file's stem)"),
    )
    default_template = DEFAULT_TEMPLATE
    options = {"bootstrap": 200, "seed": 0, "bt_prior": 0.1, "labels": "A,B", "names": ""}
    data_files = 2                   # at least two; every pair of systems is compared

    def __init__(self, template: Any = None, **options: Any):
        super().__init__(template, **options)
        labels = [s.strip() for s in str(self.config["labels"]).split(",")]
        if len(labels) != 2 or not all(labels) or labels[0] == labels[1]:
            raise EvaluationError(f"{self.id}: option labels must be two different names, like 'A,B'")
        self.labels = labels
        if self.config["bootstrap"] < 0:
            raise EvaluationError(f"{self.id}: option bootstrap must be 0 or more")
        if self.config["bt_prior"] < 0:
            raise EvaluationError(f"{self.id}: option bt_prior must be 0 or more")
        self.sources: list[str] | None = None    # the --data paths, when the runner sets them (for system names)

    # -- data -----------------------------------------------------------------------------------------------------
    def prepare(self, datasets: Sequence[list[dict]]) -> list[dict]:
        if len(datasets) < 2:
            raise EvaluationError(f"{self.id} needs at least two --data files (one per system), got {len(datasets)}")
        names = self._names(datasets)
        tables = [self._by_id(rows, names[k]) for k, rows in enumerate(datasets)]
        items = []
        for key, first in tables[0].items():
            responses = []
            for k, table in enumerate(tables):
                row = table.get(key)
                if row is None:
                    raise EvaluationError(f"{self.id}: the data of {names[k]!r} has no response for id {key!r} "
                                          f"(which {names[0]!r} has)")
                if str(row["prompt"]).strip() != str(first["prompt"]).strip():
                    raise EvaluationError(f"{self.id}: id {key!r} has different prompts in the data of {names[0]!r} "
                                          f"and {names[k]!r}")
                responses.append(row["response"])
            items.append({"id": key, "prompt": first["prompt"], "models": list(names), "responses": responses})
        return items

    def _names(self, datasets: Sequence[list[dict]]) -> list[str]:
        given = [s.strip() for s in str(self.config["names"]).split(",") if s.strip()]
        if given and len(given) != len(datasets):
            raise EvaluationError(f"{self.id}: option names lists {len(given)} names for {len(datasets)} data files")
        names = []
        for k, rows in enumerate(datasets):
            if given:
                names.append(given[k])
                continue
            stated = {str(r["model"]) for r in rows if r.get("model") not in (None, "")}
            if len(stated) > 1:
                raise EvaluationError(f"{self.id}: data file {k + 1} names several models ({', '.join(sorted(stated))});"
                                      " give one system per file")
            if stated:
                names.append(stated.pop())
            elif self.sources and k < len(self.sources):
                names.append(Path(self.sources[k]).stem)
            else:
                names.append(f"system{k + 1}")
        for k, name in enumerate(names):
            if name in names[:k]:
                raise EvaluationError(f"{self.id}: two data files are both system {name!r}; name them with a "
                                      "`model` field or --option names=a,b")
        return names

    def _by_id(self, rows: list[dict], name: str) -> dict[str, dict]:
        table: dict[str, dict] = {}
        for i, row in enumerate(rows):
            raw = row.get("id")
            key = str(i) if raw in (None, "") else str(raw)
            if key in table:
                raise EvaluationError(f"{self.id}: the data of {name!r} has id {key!r} twice")
            table[key] = row
        return table

    # -- requests and scores --------------------------------------------------------------------------------------
    def requests(self, item: dict) -> list:
        conts = [" " + label for label in self.labels]
        reqs = []
        for i, j in _pairs(len(item["models"])):
            for a, b in ((i, j), (j, i)):
                context = self.render(item, response_a=item["responses"][a], response_b=item["responses"][b])
                reqs.extend(Loglikelihood(context, c) for c in conts)
        return reqs

    def score(self, item: dict, answers: list) -> dict:
        models = item["models"]
        comparisons, pos = [], 0
        for i, j in _pairs(len(models)):
            (ab_a, ab_b), (ba_a, ba_b) = [(float(answers[pos + k][0]), float(answers[pos + k + 1][0])) for k in (0, 2)]
            pos += 4
            first = models[i] if ab_a > ab_b else models[j] if ab_b > ab_a else None     # A = i, B = j
            second = models[j] if ba_a > ba_b else models[i] if ba_b > ba_a else None    # A = j, B = i
            winner = first if first is not None and first == second else None
            comparisons.append({"a": models[i], "b": models[j], "logprobs_ab": [ab_a, ab_b], "logprobs_ba": [ba_a, ba_b],
                                "verdicts": [first, second], "winner": winner})
        return {"id": item["id"], "models": list(models), "comparisons": comparisons}

    def aggregate(self, records: list[dict]) -> dict[str, float]:
        if not records:
            return {}
        models = records[0]["models"]
        k = len(models)
        wins = _win_matrix(records, models)
        ties = _tie_matrix(records, models)
        metrics: dict[str, float] = {}
        if k == 2:
            n = wins[0][1] + wins[1][0] + ties[0][1]
            metrics["win_rate"] = wins[0][1] / n
            metrics["tie_rate"] = ties[0][1] / n
            metrics["tie_adjusted_win_rate"] = (wins[0][1] + 0.5 * ties[0][1]) / n
        else:
            total = sum(wins[i][j] + wins[j][i] + ties[i][j] for i, j in _pairs(k))
            metrics["tie_rate"] = sum(ties[i][j] for i, j in _pairs(k)) / total
            for i, m in enumerate(models):
                n = sum(wins[i][j] + wins[j][i] + ties[i][j] for j in range(k) if j != i)
                w = sum(wins[i][j] for j in range(k) if j != i)
                t = sum(ties[i][j] for j in range(k) if j != i)
                metrics[f"win_rate/{m}"] = w / n
                metrics[f"tie_rate/{m}"] = t / n
                metrics[f"tie_adjusted_win_rate/{m}"] = (w + 0.5 * t) / n
        prior = float(self.config["bt_prior"])
        point = bt_ratings(_bt_matrix(records, models), prior)
        for m, r in zip(models, point):
            metrics[f"bt/{m}"] = r
        n_boot = int(self.config["bootstrap"])
        if n_boot > 0:
            low, high = bootstrap_intervals(records, models, n_boot, int(self.config["seed"]), prior)
            for m, lo, hi in zip(models, low, high):
                metrics[f"bt_low/{m}"] = lo
                metrics[f"bt_high/{m}"] = hi
        return metrics


def _pairs(k: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(k) for j in range(i + 1, k)]


def _win_matrix(records: list[dict], models: list[str]) -> list[list[float]]:
    """wins[i][j]: comparisons system i won against system j (ties excluded)."""
    index = {m: i for i, m in enumerate(models)}
    wins = [[0.0] * len(models) for _ in models]
    for rec in records:
        for c in rec["comparisons"]:
            if c["winner"] is not None:
                loser = c["b"] if c["winner"] == c["a"] else c["a"]
                wins[index[c["winner"]]][index[loser]] += 1
    return wins


def _tie_matrix(records: list[dict], models: list[str]) -> list[list[float]]:
    index = {m: i for i, m in enumerate(models)}
    ties = [[0.0] * len(models) for _ in models]
    for rec in records:
        for c in rec["comparisons"]:
            if c["winner"] is None:
                i, j = index[c["a"]], index[c["b"]]
                ties[i][j] += 1
                ties[j][i] += 1
    return ties


def _bt_matrix(records: list[dict], models: list[str]) -> list[list[float]]:
    """Wins with each tie counted as half a win for both sides."""
    wins, ties = _win_matrix(records, models), _tie_matrix(records, models)
    return [[wins[i][j] + 0.5 * ties[i][j] for j in range(len(models))] for i in range(len(models))]


# -- Bradley–Terry ---------------------------------------------------------------------------------------------------

def bradley_terry(wins: list[list[float]], prior: float = 0.0, *, tol: float = 1e-12,
                  max_iter: int = 100_000) -> list[float]:
    """Bradley–Terry strengths p (geometric mean 1) maximising Π (p_i / (p_i + p_j))^wins[i][j], by Hunter's
    (2004) MM iteration p_i ← W_i / Σ_j N_ij / (p_i + p_j), W_i = Σ_j wins[i][j], N_ij = wins[i][j] + wins[j][i].

    `prior` adds that many pseudo-comparisons between every pair, scored as ties (prior/2 wins each way), so
    strengths stay finite when a system wins or loses everything. With prior 0 the plain MLE is used when it
    exists (the "beats" graph is strongly connected); otherwise FALLBACK_PRIOR is applied.
    """
    k = len(wins)
    if k == 0:
        return []
    w = [[(wins[i][j] + prior / 2 if i != j else 0.0) for j in range(k)] for i in range(k)]
    if not _strongly_connected(w):
        w = [[(w[i][j] + FALLBACK_PRIOR / 2 if i != j else 0.0) for j in range(k)] for i in range(k)]
    total = [sum(row) for row in w]
    n = [[w[i][j] + w[j][i] for j in range(k)] for i in range(k)]
    p = [1.0] * k
    for _ in range(max_iter):
        new = []
        for i in range(k):
            denom = sum(n[i][j] / (p[i] + p[j]) for j in range(k) if j != i and n[i][j] > 0)
            new.append(total[i] / denom if denom > 0 else p[i])
        g = math.exp(sum(math.log(x) for x in new) / k)
        new = [x / g for x in new]
        done = max(abs(math.log(a / b)) for a, b in zip(new, p)) < tol
        p = new
        if done:
            break
    return p


def _strongly_connected(w: list[list[float]]) -> bool:
    """Whether every system reaches every other along edges i → j where i has wins over j."""
    k = len(w)

    def reach(start: int, forward: bool) -> set[int]:
        seen, todo = {start}, [start]
        while todo:
            i = todo.pop()
            for j in range(k):
                edge = w[i][j] if forward else w[j][i]
                if j not in seen and edge > 0:
                    seen.add(j)
                    todo.append(j)
        return seen

    return len(reach(0, True)) == k and len(reach(0, False)) == k


def elo_scale(strengths: list[float]) -> list[float]:
    """400·log10(strength), shifted so the ratings average 1000."""
    logs = [400.0 * math.log10(p) for p in strengths]
    mean = sum(logs) / len(logs)
    return [1000.0 + x - mean for x in logs]


def bt_ratings(wins: list[list[float]], prior: float = 0.0) -> list[float]:
    return elo_scale(bradley_terry(wins, prior))


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation between order statistics (numpy's default)."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def bootstrap_intervals(records: list[dict], models: list[str], n_boot: int, seed: int,
                        prior: float) -> tuple[list[float], list[float]]:
    """Percentile 95% intervals of the ratings over `n_boot` resamples of the prompts (records), drawn with
    random.Random(seed)."""
    rng = random.Random(seed)
    n = len(records)
    samples: list[list[float]] = [[] for _ in models]
    for _ in range(n_boot):
        resample = [records[rng.randrange(n)] for _ in range(n)]
        for k, r in enumerate(bt_ratings(_bt_matrix(resample, models), prior)):
            samples[k].append(r)
    return [percentile(s, 0.025) for s in samples], [percentile(s, 0.975) for s in samples]
