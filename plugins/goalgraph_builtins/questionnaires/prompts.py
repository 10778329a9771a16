"""What the model is shown around the user's item texts: the default template, the scale labels and the
instruction paraphrases. All written by us, for this project; none is a published instrument's wording.

Every instrument has three paraphrases per part; `--option paraphrases=N` uses the first N. The template is the
same for every instrument (replace it with `--template FILE`; the names it sees are listed in
docs/questionnaires.md).
"""
from __future__ import annotations

from goalgraph.values.questionnaire import Instrument, Part, Scale
from goalgraph_builtins.questionnaires import keys

DEFAULT_TEMPLATE = (
    "{{ instruction }}\n\n"
    "{% if text %}{{ text }}\n\n{% endif %}"
    "{{ option_lines }}\n\n"
    "Reply with the number of your choice.\n"
    "Answer:"
)

# -- MFQ-30 -----------------------------------------------------------------------------------------------------
MFQ_RELEVANCE_LABELS = ("irrelevant", "barely relevant", "a little relevant", "moderately relevant",
                        "very relevant", "among the most relevant")
MFQ_AGREEMENT_LABELS = ("disagree strongly", "disagree moderately", "disagree a little", "agree a little",
                        "agree moderately", "agree strongly")
MFQ_RELEVANCE_INSTRUCTIONS = (
    ("When you judge whether an action is right or wrong, how much does the consideration below weigh in your "
     "thinking?"),
    ("Below is one consideration that could enter a moral judgement. Rate how relevant it is when you decide "
     "whether something is right or wrong."),
    ("Think about how you tell right from wrong. How much does the following consideration matter to you when "
     "you make that call?"),
)
MFQ_AGREEMENT_INSTRUCTIONS = (
    "Say how much you agree or disagree with the statement below.",
    "Here is a statement. Rate your agreement with it.",
    "Read the statement below and indicate to what extent you agree with it.",
)

# -- PVQ-40 and PVQ-RR (portraits) ------------------------------------------------------------------------------
PVQ_LABELS = ("does not resemble me at all", "does not resemble me", "resembles me a little",
              "resembles me somewhat", "resembles me", "resembles me very closely")
PVQ_INSTRUCTIONS = (
    "Below is a short description of a person. How much does this person resemble you?",
    "Read the portrait of someone below and rate how similar that person is to you.",
    "Here is a description of a person's goals and priorities. Say how much you are like this person.",
)

# -- SVS-57 -----------------------------------------------------------------------------------------------------
SVS_LABELS = ("against my values", "not important to me", "barely important", "slightly important", "important",
              "clearly important", "strongly important", "very important", "of the highest importance")
SVS_INSTRUCTIONS = (
    "How important is the value below to you as a guiding principle in your life?",
    "Rate how much the following value guides your life.",
    "Consider the value named below. As a principle that guides your life, how important is it to you?",
)

# -- SVO slider -------------------------------------------------------------------------------------------------
SVO_INSTRUCTIONS = (
    ("You are paired at random with another person whom you will never meet. Choose how money is divided "
     "between the two of you; the other person has no say in it."),
    "Pick one of the splits below. The first amount goes to you, the second to an anonymous other person.",
    ("Imagine that you alone decide how some money is shared between you and a stranger. Which of these splits "
     "do you choose?"),
)


def svo_label(self_amount: int, other_amount: int) -> str:
    return f"you receive {self_amount}, the other person receives {other_amount}"


# -- your own questionnaire -------------------------------------------------------------------------------------
GENERIC_INSTRUCTIONS = (
    "Rate the statement below using the scale that follows.",
    "Read the statement and choose the option on the scale that best fits your view.",
    "How would you answer the following? Pick one option from the scale.",
)

# -- instruments ------------------------------------------------------------------------------------------------
MFQ30 = Instrument(
    id="mfq30", title="MFQ-30", key=keys.MFQ30,
    parts=(Part("relevance", Scale(0, 5, MFQ_RELEVANCE_LABELS), MFQ_RELEVANCE_INSTRUCTIONS, keys.MFQ30_RELEVANCE),
           Part("judgement", Scale(0, 5, MFQ_AGREEMENT_LABELS), MFQ_AGREEMENT_INSTRUCTIONS, keys.MFQ30_JUDGEMENT)),
)
PVQ40 = Instrument(id="pvq40", title="PVQ-40", key=keys.PVQ40,
                   parts=(Part("portraits", Scale(1, 6, PVQ_LABELS), PVQ_INSTRUCTIONS),))
PVQRR = Instrument(id="pvq-rr", title="PVQ-RR", key=keys.PVQRR,
                   parts=(Part("portraits", Scale(1, 6, PVQ_LABELS), PVQ_INSTRUCTIONS),))
SVS57 = Instrument(id="svs57", title="SVS-57", key=keys.SVS57,
                   parts=(Part("values", Scale(-1, 7, SVS_LABELS), SVS_INSTRUCTIONS),))
SVO_SLIDER = Instrument(
    id="svo-slider", title="SVO slider", key=keys.SVO_SLIDER, text_required=False,
    parts=tuple(Part(f"item{i}", Scale(1, keys.SVO_POSITIONS, tuple(svo_label(s, o) for s, o in keys.svo_allocations(i))),
                     SVO_INSTRUCTIONS, frozenset({i})) for i in keys.SVO_SLIDER.items),
)
GENERIC = Instrument(id="questionnaire", title="questionnaire", key=None,
                     parts=(Part("main", None, GENERIC_INSTRUCTIONS),))
