"""Who may do what: public (read-only) mode, the owner's write access, and the bounds a visitor's request keeps.

In: `Settings` (public or not, owners, admin token, digest bounds) and, per request, the signed-in Hugging Face
user name and/or a token typed by the user, and whether the request came from the app's own page. Out: nothing when
allowed, an `AccessError` saying what to do when not.
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
    profile_public: bool = False
    visitor_check_chars: int = 2_000

    @classmethod
    def of(cls, settings, in_space: bool, space_author: str = "") -> Access:
        public = settings.public if settings.public is not None else in_space
        owners = {o.strip() for o in settings.owners.split(",") if o.strip()} | ({space_author} - {""})
        bounds = (settings.max_digest_papers, settings.max_digest_days)
        shares = (settings.public_profile, settings.visitor_check_chars)
        return cls(public, frozenset(owners), settings.admin_token, *bounds, *shares)

    def may_write(self, user: str = "", token: str = "", own_page: bool = True) -> bool:
        """`own_page`: the request came from the app's own page. A signed-in owner counts only then (another site's
        page can make the browser send the owner's cookie); the admin token counts from anywhere."""
        if not self.public:
            return True
        if user and user in self.owners and own_page:
            return True
        return bool(self.admin_token and token and hmac.compare_digest(token.encode(), self.admin_token.encode()))

    def check_write(self, user: str = "", token: str = "", own_page: bool = True) -> None:
        if user and user in self.owners and not own_page and not self.may_write(user, token, own_page):
            raise AccessError(
                "This change did not come from the app's own page, so the sign-in does not count for it.",
                "Make the change in the app itself, or give the admin token (PAPERS_ADMIN_TOKEN).",
            )
        if not self.may_write(user, token, own_page):
            raise AccessError(
                "This app is public and read-only: adding papers needs its owner.",
                "Sign in with Hugging Face as an owner (PAPERS_OWNERS), or give the admin token (PAPERS_ADMIN_TOKEN).",
            )

    def check_profile(self, user: str = "", token: str = "", own_page: bool = True) -> None:
        """The profile and what repeats it (the "for you" ranking and its reasons): an owner's, in public mode,
        unless the owner made it public."""
        if self.public and not self.profile_public and not self.may_write(user, token, own_page):
            raise AccessError(
                'The reader\'s profile and the "for you" ranking are private on this public app.',
                "Sign in as an owner or give the admin token; an owner can share them with PAPERS_PUBLIC_PROFILE=1.",
            )

    def check_check_size(self, chars: int, user: str = "", token: str = "", own_page: bool = True) -> None:
        """A visitor's claim check is short in public mode: each sentence costs the server a model call."""
        if self.public and chars > self.visitor_check_chars and not self.may_write(user, token, own_page):
            raise AccessError(
                f"On this public app a check takes at most {self.visitor_check_chars:,} characters ({chars:,} given).",
                "Check a shorter part, or run the app yourself (make run) to check up to 20,000 at a time.",
            )

    def check_digest(self, start: date, end: date, top: int) -> None:
        if top < 1 or top > self.max_digest_papers:
            raise AccessError(f"A digest holds 1 to {self.max_digest_papers} papers, not {top}.")
        if self.public and (end - start).days + 1 > self.max_digest_days:
            raise AccessError(
                f"A digest spans at most {self.max_digest_days} days here ({start} to {end} is longer).",
                "Pick a shorter range.",
            )
