"""The reader's profile and the "for you" ranking: real store, real embedder, real files and processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from agent.foryou import rank_for_you
from agent.profile import Profile, ProfileError, ProfileStore
from tests.test_cli import papers
from vectorstore.catalog import Catalog

DAYS = ["2025-06-02", "2025-06-03", "2025-06-04"]


@pytest.fixture(scope="module")
def store(tmp_path_factory, store_of_days):
    return store_of_days(tmp_path_factory.mktemp("foryou"), DAYS)


def about_rl(paper) -> bool:
    return "reinforcement learning" in f"{paper.title} {paper.abstract}".lower()


def test_liked_papers_pull_their_topic_up_with_reasons(store):
    """Liking three RL papers of one day puts RL papers of another day first, each saying which like it matches."""
    first_day = store.list_papers(date(2025, 6, 2), date(2025, 6, 2))
    liked = [p.id for p in first_day if about_rl(p)][:3]
    day = date(2025, 6, 4)
    papers_of_day = store.list_papers(day, day)
    ranked = rank_for_you(Profile(liked=liked), papers_of_day, Catalog(store).current(), store.embedder.embed)
    for_you = sum(about_rl(r.paper) for r in ranked[:5])
    by_upvotes = sum(about_rl(p) for p in papers_of_day[:5])
    assert for_you > by_upvotes, (for_you, by_upvotes)
    assert all(r.reason.startswith("like: ") for r in ranked[:5])
    rl_ranks = [i for i, r in enumerate(ranked) if about_rl(r.paper)]
    other_ranks = [i for i, r in enumerate(ranked) if not about_rl(r.paper)]
    assert sum(rl_ranks) / len(rl_ranks) < sum(other_ranks) / len(other_ranks), "RL papers rank higher on average"


def test_interests_and_followed_authors(store):
    day = date(2025, 6, 3)
    papers_of_day = store.list_papers(day, day)
    last = papers_of_day[-1]  # the least upvoted
    followed = last.organization or last.authors[0]
    profile = Profile(interests=["video generation with diffusion models"], authors=[followed.upper()])
    ranked = rank_for_you(profile, papers_of_day, Catalog(store).current(), store.embedder.embed)
    assert ranked[0].paper.id == last.id and ranked[0].reason == f"follows: {followed.upper()}"
    assert ranked[1].reason == "matches: video generation with diffusion models"
    assert "video" in f"{ranked[1].paper.title} {ranked[1].paper.abstract}".lower()
    with pytest.raises(ProfileError, match="no profile"):
        rank_for_you(Profile(), papers_of_day, Catalog(store).current(), store.embedder.embed)


def test_profile_file_is_atomic_bounded_and_never_overwritten_when_corrupt(tmp_path):
    profiles = ProfileStore(tmp_path)
    assert profiles.load().empty
    profiles.edit("interests", add=["  speculative   decoding ", "Speculative decoding", "agents"])
    assert profiles.load().interests == ["speculative decoding", "agents"], "tidied and de-duplicated"
    with pytest.raises(ProfileError, match="at most 200"):
        profiles.edit("interests", add=["x" * 201])
    assert profiles.load().interests == ["speculative decoding", "agents"], "a refused edit changes nothing"
    profiles.path.write_text('{"interests": ["a"], "liked": 3}')
    with pytest.raises(ProfileError, match="not a profile"):
        profiles.edit("interests", add=["b"])
    assert profiles.path.read_text() == '{"interests": ["a"], "liked": 3}', "a bad file is reported, not replaced"


def test_two_processes_editing_at_once_lose_nothing(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from agent.profile import ProfileStore
        profiles = ProfileStore(Path(sys.argv[1]))
        for n in range(25):
            profiles.edit("interests", add=[f"{sys.argv[2]} {n}"])
        """
    )
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), name]) for name in ("one", "two")]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    assert len(ProfileStore(tmp_path).load().interests) == 50


def test_cli_like_profile_export_import_and_digest_for_me(tmp_path, archive, llm, model_dir):
    data = tmp_path / "data"
    assert papers(data, "ingest", str(archive / "2025-06-02.json")).returncode == 0
    assert "No paper 'nope'" in papers(data, "like", "nope").stderr
    assert papers(data, "like", "2505.24864").returncode == 0
    exported = tmp_path / "exported.json"
    out = papers(data, "profile", "--interest", "reasoning with reinforcement learning", "--export", str(exported))
    assert out.returncode == 0 and json.loads(out.stdout)["liked"] == ["2505.24864"]
    saved = json.loads(exported.read_text())
    assert saved["liked"] == ["2505.24864"] and "reasoning with reinforcement learning" in saved["interests"]
    listed = papers(data, "list", "--date", "2025-06-02", "--for-me", "--json")
    rows = json.loads(listed.stdout)
    assert rows[0]["reason"] and rows[0]["score"] >= rows[-1]["score"]
    (tmp_path / "bad.json").write_text("[1, 2]")
    bad = papers(data, "profile", "--import", str(tmp_path / "bad.json"))
    assert bad.returncode == 1 and "not a profile" in bad.stderr
    assert json.loads(papers(data, "profile").stdout)["liked"] == ["2505.24864"], "a bad import changes nothing"
    env = {"PAPERS_MODEL_DIR": str(model_dir)}  # the bundled model, converted once per test session
    digest = papers(data, "digest", "--date", "2025-06-02", "--top", "4", "--for-me", env=env)
    assert digest.returncode == 0, digest.stderr
    assert "— for you" in digest.stdout and digest.stdout.count("for you: ") == 4
