"""The training scripts, run for a few steps on a handful of real archive papers, and their bad input.

CI never trains in full: these prove the scripts build pairs split by day, train, evaluate, checkpoint, resume and
ship weights the app then loads; the shipped weights themselves are tested in test_trained_models.py.
"""

from __future__ import annotations

import json
import shutil

import pytest

from training import answer_pairs, checker_pairs, fit_combiner, tldr_pairs, train_checker, train_tldr

TRAIN_DAY, VAL_DAY = "2025-06-02.json", "2026-05-12.json"


@pytest.fixture(scope="module")
def tiny_archive(tmp_path_factory, archive):
    """Two real days cut to four papers each, a corrupt day file, and a paper without `ai_summary`."""
    folder = tmp_path_factory.mktemp("archive")
    for name in (TRAIN_DAY, VAL_DAY):
        records = [r for r in json.loads((archive / name).read_text()) if r["paper"].get("ai_summary")][:4]
        records[-1] = {**records[-1], "paper": {**records[-1]["paper"], "ai_summary": ""}}
        (folder / name).write_text(json.dumps(records))
    (folder / "2025-06-03.json").write_text('[{"paper": {"id": "2506.0')  # cut off mid-download
    return folder


def test_pairs_are_split_by_day_and_bad_files_are_named_in_one_line(tiny_archive, tmp_path, capsys):
    counts = tldr_pairs.write_pairs(tiny_archive, tmp_path / "tldr")
    said = capsys.readouterr().out.splitlines()
    assert counts == {"train": 3, "val": 3, "test": 0}, "the paper without ai_summary is left out"
    assert [line for line in said if "2025-06-03.json" in line and "not valid JSON" in line], said
    pair = json.loads((tmp_path / "tldr" / "train.jsonl").read_text().splitlines()[0])
    assert pair["day"] == "2025-06-02" and pair["target"] and pair["key_sentences"]


def test_tldr_training_runs_checkpoints_resumes_and_ships(tiny_archive, tmp_path, model_dir, capsys):
    tldr_pairs.write_pairs(tiny_archive, tmp_path / "pairs")
    with (tmp_path / "pairs" / "train.jsonl").open("a") as extra:
        extra.write('{"title": "no target"}\nnot json\n')
    common = ["--pairs", str(tmp_path / "pairs"), "--out", str(tmp_path / "run"), "--cache", str(model_dir)]
    common += ["--batch-size", "2", "--val-limit", "2", "--eval-every", "1", "--rank", "4"]
    train_tldr.main([*common, "--max-steps", "1"])
    said = capsys.readouterr().out
    assert "train.jsonl:4: needs non-empty title" in said and "train.jsonl:5:" in said, "bad lines named"
    assert (tmp_path / "run" / "checkpoint-1" / "adapter_model.safetensors").exists()
    train_tldr.main([*common, "--max-steps", "2", "--resume", "--ship", str(tmp_path / "shipped")])
    said = capsys.readouterr().out
    assert "resumed from checkpoint-1" in said
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert [e["step"] for e in report["evals"]] == [1, 2] and all("val_rougeL" in e for e in report["evals"])
    from safetensors.torch import load_file

    tensors = load_file(str(tmp_path / "shipped" / "adapter_model.safetensors"))
    assert tensors and all(str(t.dtype) == "torch.float16" for t in tensors.values())


def test_tldr_training_without_usable_pairs_says_so(tmp_path):
    (tmp_path / "train.jsonl").write_text("not json\n")
    with pytest.raises(SystemExit, match="no usable training pairs"):
        train_tldr.main(["--pairs", str(tmp_path), "--out", str(tmp_path / "run")])


def test_checker_training_runs_and_its_weights_load_in_the_app(tiny_archive, tmp_path):
    from agent.judge.checker import ClaimChecker

    counts = checker_pairs.write_pairs(tiny_archive, tmp_path / "rows")
    assert counts["train"] >= 3 * 6, "each paper gives supported rows and several kinds of corruption"
    kinds = {json.loads(line)["kind"] for line in (tmp_path / "rows" / "train.jsonl").read_text().splitlines()}
    assert {"ai_summary", "abstract", "negate", "other_paper", "removed_evidence"} <= kinds
    assert {"stock_ending", "clause_reversed"} <= kinds, "half-true kinds, made the way models err"
    out = tmp_path / "run"
    args = ["--rows", str(tmp_path / "rows"), "--out", str(out), "--batch-size", "8", "--max-steps", "2"]
    train_checker.main(args)
    assert (out / "best" / "model.safetensors").stat().st_size < 25_000_000, "word embeddings are not shipped"
    train_checker.main([*args[:-1], "3", "--resume"])
    combiner = fit_combiner.fit(out / "best", tiny_archive, made_papers=3)
    checker = ClaimChecker(out / "best")
    assert checker.combiner == combiner and len(combiner["weights"]) == 5 and combiner["made_rows"] > 0
    before = ClaimChecker().scores(["A claim about retrieval."], ["Retrieval evidence."])
    after = checker.scores(["A claim about retrieval."], ["Retrieval evidence."])
    assert before != after, "the run's weights are the ones loaded, not the shipped ones"


def test_answerability_rows_train_a_model_the_app_loads(tiny_archive, tmp_path):
    from agent.judge.answerable import AnswerJudge

    counts = answer_pairs.write_pairs(tiny_archive, tmp_path / "rows")
    rows = [json.loads(line) for line in (tmp_path / "rows" / "train.jsonl").read_text().splitlines()]
    assert counts["train"] == len(rows) >= 5, "a described paper: its own text, another paper's, unstated, data"
    assert {"which", "other_paper", "unstated"} <= {r["kind"] for r in rows}
    assert all(r["claim"].endswith(("?", ".")) and r["evidence"] for r in rows), "questions against evidence"
    out = tmp_path / "run"
    train_checker.main(["--rows", str(tmp_path / "rows"), "--out", str(out), "--batch-size", "8", "--max-steps", "2"])
    judge = AnswerJudge(out / "best")
    asked = (["Which paper does this?"], [["A title", "One sentence."]])
    assert judge.scores(*asked) != AnswerJudge().scores(*asked), "the run's weights are the ones loaded"
    assert answer_pairs.add_hand_rows(tiny_archive, tmp_path / "rows") == {"train": 0, "val": 0}, (
        "hand-written questions whose paper is not in the archive are left out"
    )


def test_a_missing_or_broken_checker_names_the_file_and_the_fix(tmp_path):
    from agent.errors import ModelError
    from agent.judge.checker import WEIGHTS, ClaimChecker

    shutil.copytree(WEIGHTS, tmp_path / "checker")
    (tmp_path / "checker" / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelError) as broken:
        ClaimChecker(tmp_path / "checker")
    assert "cannot be read" in broken.value.problem and "train_checker" in broken.value.hint
    (tmp_path / "checker" / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="model.safetensors"):
        ClaimChecker(tmp_path / "checker")
