"""Judging every part of a sentence: the cuts (`agent/judge/parts.py`), the half-true sentences the checker learns
from (`training/half_true.py`), and the shipped checker on half-true sentences: the failing part is named in
`papers check`, the Check tab and the `check_claims` tool. Needs no ../shared."""

from __future__ import annotations

import random

import pytest

from agent.judge.parts import base_form, parts
from training.half_true import HALF_TRUE_KINDS, half_true

ABSTRACT = (
    "We propose EAD, an entropy-aware decoding method that pairs a small and a large language model. EAD uses the "
    "small model for most tokens and switches to the large model when the entropy of the small model's prediction "
    "is high. On GSM8K and MATH, EAD matches the accuracy of the large model while calling it for 18% of tokens. "
    "It is training-free."
)
TITLE = "EAD: Entropy-Aware Decoding with a Small and a Large Model"


@pytest.mark.parametrize(
    ("sentence", "spans"),
    [
        (
            "EAD matches the large model, outperforming existing methods.",
            ["EAD matches the large model", "outperforming existing methods"],
        ),
        (
            "EAD routes tokens by entropy and improves efficiency.",
            ["EAD routes tokens by entropy", "improves efficiency"],
        ),
        (
            "EAD keeps accuracy, while reducing calls to the large model.",
            ["EAD keeps accuracy", "while reducing calls to the large model"],
        ),
        (
            "EAD improves accuracy by using a novel training strategy.",
            ["EAD improves accuracy", "using a novel training strategy"],
        ),
        (
            "EAD is a decoding method for small and large models.",
            ["EAD is a decoding method for small and large models"],
        ),
    ],
)
def test_a_sentence_is_cut_where_models_attach_what_they_add(sentence, spans):
    found = parts(sentence)
    assert [p.span for p in found] == spans
    assert all(sentence[p.start :].startswith(p.span) for p in found), "each span is the sentence's own words"
    assert all(p.claim.endswith(".") and p.claim[0].isupper() for p in found)


def test_a_cut_off_participle_reads_as_a_claim():
    assert parts("EAD matches the large model, outperforming existing methods.")[1].claim == (
        "It outperforms existing methods."
    )
    assert [base_form(w) for w in ("reducing", "setting", "using", "improving", "matching")] == [
        "reduce", "set", "use", "improve", "match"
    ]  # fmt: skip


def test_parts_are_bounded_on_hostile_input():
    long = ", outperforming x" * 5000
    found = parts("EAD works" + long)
    assert len(found) <= 6


def test_half_true_kinds_are_made_the_way_models_err():
    rng = random.Random(0)
    made = {kind: half_true(kind, s, ABSTRACT, rng) for kind, s in [
        ("stock_ending", "EAD switches to the large model when the entropy is high."),
        ("and_effect", "EAD improves accuracy on GSM8K."),
        ("hedge_dropped", "EAD matches the accuracy of the large model."),
        ("comparison_reversed", "EAD outperforms greedy decoding."),
        ("clause_reversed", "EAD keeps accuracy, while reducing calls to the large model."),
        ("role_swap", "EAD is training-free."),
    ]}  # fmt: skip
    assert set(made) == set(HALF_TRUE_KINDS)
    assert all(m is not None for m in made.values()), made
    assert made["hedge_dropped"][0] != "EAD matches the accuracy of the large model."
    assert made["comparison_reversed"] == ("EAD is outperformed by greedy decoding.", 0)
    assert made["clause_reversed"] == ("EAD keeps accuracy, while increasing calls to the large model.", 0)
    assert made["role_swap"] == ("EAD is training-based.", 0)
    assert " and " in made["and_effect"][0] and made["and_effect"][1] == 0
    supported = half_true("stock_ending", "EAD pairs two models.", "It outperforms all baselines.", random.Random(3))
    assert supported is None or supported[1] in (0, 1)


def test_the_shipped_checker_names_the_part_that_fails():
    """A true opening joined to a claim the abstract does not make, a stock ending, a reversed result: each rejected,
    the added part named as the span; the true opening alone is not called unsupported (strictly "supported" needs
    more: the threshold lets at most 2% of the false sentences our writer wrote on validation days through)."""
    from agent.judge.checker import ClaimChecker, source_sentences

    checker = ClaimChecker()
    sources = source_sentences(TITLE, ABSTRACT)
    true, half, stock, reversed_ = checker.verdicts(
        [
            "EAD matches the accuracy of the large model on GSM8K and MATH.",
            "EAD matches the accuracy of the large model on GSM8K and MATH, and is trained with reinforcement "
            "learning on code.",
            "EAD matches the large model, outperforming existing methods.",
            "EAD is outperformed by the large model on GSM8K and MATH.",
        ],
        [sources] * 4,
    )
    assert true.label != "unsupported" and true.score > half.score, (true, half)
    assert half.label == "unsupported" and "reinforcement" in half.span and half.span in half.claim, half
    assert stock.label == "unsupported" and stock.span == "outperforming existing methods", stock
    assert reversed_.label == "unsupported" and not reversed_.supported, reversed_
    assert checker.lenient <= checker.threshold


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "no text"), ("   ", "no text"), ("x" * 20_001, "20,000"), ("abc\x00def", "binary"), ("?!... --", "no words")],
)
def test_text_that_cannot_be_checked_gets_one_clear_message(text, says):
    from agent.errors import QuestionError
    from agent.judge.check_text import checkable

    with pytest.raises(QuestionError) as error:
        checkable(text)
    assert says in str(error.value)


def test_the_check_tab_marks_the_failing_words_and_escapes_them():
    from agent.judge.check_text import SentenceCheck
    from agent.judge.checker import Verdict
    from agent.present import check_html

    claim = "EAD routes tokens, outperforming <b>all</b> methods."
    page = check_html([SentenceCheck(Verdict(claim, False, 0.1, "", "checker", "outperforming <b>all</b> methods",
                                             "unsupported"))])  # fmt: skip
    assert '<mark class="unsupported"' in page and "outperforming &lt;b&gt;all&lt;/b&gt; methods</mark>" in page
    assert "<b>all</b>" not in page and "✗ not supported" in page
    unsure = check_html([SentenceCheck(Verdict("EAD routes tokens.", False, 0.5, "", "checker", "", "uncertain"))])
    assert "not confirmed" in unsure and "<mark" not in unsure


def test_a_name_typed_in_lower_case_or_spelled_otherwise_is_the_papers_name():
    from agent.answer.qa import names_in, same_name
    from agent.judge.terms import Source

    assert {"internvl-u", "envfactory"} <= names_in("how big is internvl-u, and envfactory?")
    assert same_name("MM-Zero", "mm-zero") and not same_name("MM-Zero", "mm-one")
    source = Source.of("We combine Mamba attention layers with MoE routing.")
    assert source.has_name("Mamba-Attention") and source.has_name("MambaAttention") and not source.has_name("GPT-5")


def test_tldrs_are_the_abstracts_own_sentences_by_default_and_the_model_is_never_asked(tmp_path, scripted):
    from datetime import date

    from agent.services import Services
    from agent.settings import Settings
    from vectorstore.records import Paper

    model = scripted(answers=lambda messages: "EAD wins everything, outperforming all methods.")
    services = Services(Settings(data_dir=tmp_path / "data"), model=model)
    paper = Paper("2601.00001", TITLE, ABSTRACT, date(2026, 1, 5))
    tldr = services.writer.tldrs([paper])[paper.id]
    assert tldr.fallback and tldr.text.startswith("Proposes EAD") and "outperforming" not in tldr.text
    assert model.calls == [], "the writer is opt-in (PAPERS_TLDR=model)"
    assert services.writer.cached([paper])[paper.id] == tldr, "Today shows it before any model is loaded"
