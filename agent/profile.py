"""The reader's interest profile: free-text interests, liked papers, followed authors and organisations, keywords.

In: edits from the CLI (`papers profile`, `papers like`) and the app (For you tab, the like button on cards).
Out: a `Profile` kept as JSON in the data directory (`profile.json`), exported and imported as the same JSON.
Writes are atomic (a temporary file renamed over the old one) under a file lock, so the app and a CLI run can
both edit it and a crash never leaves half a file; a file that does not parse is reported, never overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.files import write_text_atomically
from vectorstore.errors import PapersError

PROFILE_FILE = "profile.json"
MAX_ITEMS = 200
MAX_TEXT = 200
MAX_FILE_BYTES = 1_000_000


class ProfileError(PapersError):
    """The profile cannot be read or does not hold what was asked."""


def tidy(values: list[str]) -> list[str]:
    """One space between words, no empties, no repeats (case-insensitive), in the order given."""
    seen: set[str] = set()
    kept = []
    for value in values:
        value = " ".join(str(value).split())
        if value and value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    interests: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    liked: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    authors: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    # Keyword filters, applied before ranking: a paper must match one `include` term (when there are any) and no
    # `exclude` term, in its title, abstract or ai_keywords.
    include: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    exclude: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)

    @field_validator("interests", "liked", "authors", "include", "exclude")
    @classmethod
    def bounded(cls, values: list[str]) -> list[str]:
        if any(len(str(v)) > MAX_TEXT for v in values):
            raise ValueError(f"each entry must be at most {MAX_TEXT} characters")
        return tidy(values)

    @property
    def empty(self) -> bool:
        return not (self.interests or self.liked or self.authors or self.include)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    def edited(self, field: str, add: list[str] = (), remove: list[str] = ()) -> Profile:
        """A copy with `add` appended to and `remove` taken from one list, validated as a whole profile."""
        gone = {v.lower() for v in tidy(remove)}
        values = [v for v in getattr(self, field) if v.lower() not in gone] + list(add)
        try:
            return Profile.model_validate({**self.model_dump(), field: values})
        except ValueError as error:  # pydantic's ValidationError is one
            raise ProfileError(f"The profile cannot take that: {error}", "Use shorter entries, or fewer.") from error


def parse_profile(text: str, where: str) -> Profile:
    if len(text) > MAX_FILE_BYTES:
        raise ProfileError(f"{where} is larger than {MAX_FILE_BYTES // 1000} KB.", "Is it the right file?")
    try:
        return Profile.model_validate(json.loads(text))
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0][:200]
        raise ProfileError(
            f"{where} is not a profile: {first}",
            'A profile is JSON: {"interests": [...], "liked": [paper ids], "authors": [names]}.',
        ) from error


class ProfileStore:
    """The profile file of a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / PROFILE_FILE
        self.lock = FileLock(str(data_dir / (PROFILE_FILE + ".lock")), timeout=30)

    def load(self) -> Profile:
        if not self.path.exists():
            return Profile()
        return parse_profile(self.path.read_text(encoding="utf-8"), str(self.path))

    def save(self, profile: Profile) -> Profile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, profile.to_json())
        return profile

    def edit(self, field: str, add: list[str] = (), remove: list[str] = ()) -> Profile:
        """Read, change and write under the lock, so two editors never lose each other's change."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            return self.save(self.load().edited(field, add, remove))

    def replace(self, profile: Profile) -> Profile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            return self.save(profile)
