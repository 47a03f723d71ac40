"""Who may do what: public (read-only) mode, the owner's write access, and the bounds a visitor's request keeps.

In: `Settings` (public or not, owners, admin token, digest bounds) and, per request, the signed-in Hugging Face
user name and/or a token typed by the user. Out: nothing when allowed, an `AccessError` saying what to do when not.
In public mode (the default on a Space) anyone reads, searches, asks and gets digests of at most
`max_digest_papers` papers over at most `max_digest_days` days; adding papers (upload, fetch) needs an owner.
Outside public mode the app is the user's own and everything is allowed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from vectorstore.errors import PapersError


class AccessError(PapersError):
    """A request this visitor may not make, or one outside the public bounds."""


@dataclass(frozen=True)
class Access:
    public: bool
    owners: frozenset[str] = frozenset()
    admin_token: str = ""
    max_digest_papers: int = 50
    max_digest_days: int = 31

    @classmethod
    def of(cls, settings, in_space: bool, space_author: str = "") -> Access:
        public = settings.public if settings.public is not None else in_space
        owners = {o.strip() for o in settings.owners.split(",") if o.strip()} | ({space_author} - {""})
        bounds = (settings.max_digest_papers, settings.max_digest_days)
        return cls(public, frozenset(owners), settings.admin_token, *bounds)

    def may_write(self, user: str = "", token: str = "") -> bool:
        if not self.public:
            return True
        if user and user in self.owners:
            return True
        return bool(self.admin_token and token and hmac.compare_digest(token.encode(), self.admin_token.encode()))

    def check_write(self, user: str = "", token: str = "") -> None:
        if not self.may_write(user, token):
            raise AccessError(
                "This app is public and read-only: adding papers needs its owner.",
                "Sign in with Hugging Face as an owner (PAPERS_OWNERS), or give the admin token (PAPERS_ADMIN_TOKEN).",
            )

    def check_digest(self, start: date, end: date, top: int) -> None:
        if top < 1 or top > self.max_digest_papers:
            raise AccessError(f"A digest holds 1 to {self.max_digest_papers} papers, not {top}.")
        if self.public and (end - start).days + 1 > self.max_digest_days:
            raise AccessError(
                f"A digest spans at most {self.max_digest_days} days here ({start} to {end} is longer).",
                "Pick a shorter range.",
            )
