"""Prompt templates shipped as files, and the one function that loads and renders them.

In: a prompt name (`prompts/<name>.toml`: `version`, declared `variables`, `system`, `user` and an optional `assistant`
lead) and the
values for exactly those variables. Out: chat messages. Rendering is strict: a template that uses an undeclared
variable, or a call that misses or adds one, raises `PromptError`, so a typo never reaches the model.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent


class PromptError(ValueError):
    """A prompt file or a call to render it does not match its declared variables."""


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    variables: frozenset[str]
    system: str
    user: str
    assistant: str = ""

    @property
    def key(self) -> str:
        """Identifies what the prompt asks, for caches: change the text, bump the version."""
        return f"{self.name}-v{self.version}"

    def render(self, **values: str) -> list[dict[str, str]]:
        given = set(values)
        if given != self.variables:
            missing, extra = sorted(self.variables - given), sorted(given - self.variables)
            raise PromptError(f"prompt {self.name!r}: missing {missing}, unexpected {extra}")
        messages = [{"role": "user", "content": self.user.format(**values).strip()}]
        if self.system.strip():
            messages.insert(0, {"role": "system", "content": self.system.format(**values).strip()})
        lead = self.assistant.format(**values).strip()
        if lead:  # the answer must continue this text
            messages.append({"role": "assistant", "content": lead})
        return messages


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPT_DIR / f"{name}.toml"
    if not path.exists():
        raise PromptError(f"no prompt file {path.name} in {PROMPT_DIR}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    prompt = Prompt(
        name=name,
        version=int(data["version"]),
        variables=frozenset(data["variables"]),
        system=data.get("system", ""),
        user=data["user"],
        assistant=data.get("assistant", ""),
    )
    used = fields_of(prompt.system) | fields_of(prompt.user) | fields_of(prompt.assistant)
    if used != prompt.variables:
        raise PromptError(f"prompt {name!r} declares {sorted(prompt.variables)} but uses {sorted(used)}")
    return prompt
