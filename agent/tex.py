"""Feed text with LaTeX bits -> the same text as a reader expects to see it: `96.7\\%` as `96.7%`, `\\&` as `&`,
`$\\alpha$` as `α`, ``` ``X'' ``` as `“X”`, `A$^2$RD` as `A²RD`, `Pok\\'emon` as `Pokémon`, `\\textbf{X}` as `X`.

In: a title, abstract or TL;DR as stored. Out: display text (`untex`); the stored text is never changed. One regex
pass, left to right, each match bounded (math spans and command arguments at most 200 characters, no nesting), so
the time is linear in the text's length whatever it holds. What it does not know (`\\method`, `\\\\`) it leaves as
written. The output is plain text, not yet safe for any format: every face escapes it afterwards
(agent/present.py: `esc`, `inert`, `md_escape`).
"""

from __future__ import annotations

import re
import unicodedata

SPAN = 200
TEX = re.compile(
    # Inline math as Pandoc reads it: no space just inside the dollars, and no digit right after the closing one,
    # so "costs $5 and $10" stays as it is.
    rf"\$(?=[^\s$])(?P<math>[^$\n]{{0,{SPAN}}}?[^\s$\\])\$(?!\d)"
    rf"|\\\((?P<pmath>[^\n]{{1,{SPAN}}}?)\\\)"
    rf"|\{{\\(?:em|it|bf|sc|tt|rm|sl)\s+(?P<group>[^{{}}]{{0,{SPAN}}})\}}"
    r"|\{\\(?P<outer>['\"`^~])\{?(?P<inner>\\?[A-Za-z])\}?\}"
    r"|\\(?P<accent>['\"`^~])(?:\{(?P<braced>\\?[A-Za-z])\}|(?P<letter>[A-Za-z]))?"
    rf"|\\(?P<name>[A-Za-z]+)(?:\{{(?P<arg>[^{{}}]{{0,{SPAN}}})\}})?"
    r"|\\(?P<char>[\s\S])"
)
SYMBOLS = {
    **{
        name: chr(code)
        for name, code in [
            ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5),
            ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1),
            ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE),
            ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3C6),
            ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9), ("Gamma", 0x393),
            ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3),
            ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9),
        ]
    },  # fmt: skip
    "times": "×", "cdot": "·", "sim": "~", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "pm": "±", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "infty": "∞", "ell": "ℓ", "ldots": "…", "dots": "…", "cdots": "⋯", "partial": "∂", "nabla": "∇", "in": "∈",
    "sum": "∑", "prod": "∏", "circ": "∘", "deg": "°", "star": "⋆", "ast": "*", "textgreater": ">",
    "textless": "<", "LaTeX": "LaTeX", "TeX": "TeX", "eg": "e.g.", "ie": "i.e.", "etc": "etc.", "allowbreak": "",
    "quad": " ", "qquad": " ", "i": "i", "log": "log", "exp": "exp", "max": "max", "min": "min", "arg": "arg",
}  # fmt: skip
# Commands whose argument is the text itself, and commands whose argument is not shown at all.
KEEP_ARGUMENT = frozenset(
    {"textbf", "textit", "emph", "textsc", "texttt", "textrm", "textsf", "text", "mathrm", "mathbf", "mathcal"}
    | {"mathbb", "mathit", "mathsf", "mathtt", "operatorname", "boldsymbol", "bm", "underline", "url", "hat", "bar"}
    | {"tilde", "vec", "overline"}
)
DROP_ARGUMENT = frozenset({"color", "label", "cite", "citep", "citet", "ref", "footnote"})
ESCAPED = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", ",": " ", ";": " ", ":": " "}
ESCAPED |= {" ": " ", "!": "", "\n": " "}
# Accents on the letters that take them; elsewhere `\'` is an escaped apostrophe ("model\'s").
ACCENTS = {"'": ("\u0301", "aeiouynczAEIOUYNCZ"), '"': ("\u0308", "aeiouyAEIOUY"), "`": ("\u0300", "aeiouAEIOU")}
ACCENTS |= {"^": ("\u0302", "aeiouAEIOU"), "~": ("\u0303", "aonAON")}
SUPERSCRIPT = str.maketrans("0123456789+-n*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ*")
SUBSCRIPT = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
SUPER = re.compile(r"\^(?:\{([0-9+\-n*]{1,8})\}|([0-9n*]))")
SUB = re.compile(r"_(?:\{([0-9+\-]{1,8})\}|([0-9]))")


def untex(text: str) -> str:
    """The text with the LaTeX a reader would not type rendered (see the module docstring)."""
    text = text or ""
    if "\\" in text or "$" in text:
        text = TEX.sub(rendered, text)
    return quoted(text)


def quoted(text: str) -> str:
    """TeX's quotes as typeset: ``X'' -> “X”; two apostrophes alone are left, they may be a ditto or a prime."""
    return text.replace("``", "\u201c").replace("''", "\u201d") if "``" in text else text


def rendered(match: re.Match) -> str:
    groups = match.groupdict()
    if groups["math"] is not None or groups["pmath"] is not None:
        return math_text(groups["math"] if groups["math"] is not None else groups["pmath"])
    if groups["group"] is not None:
        return untex(groups["group"])
    if groups["outer"] is not None:
        return accented(groups["outer"], groups["inner"])
    if groups["accent"] is not None:
        return accented(groups["accent"], groups["braced"] or groups["letter"] or "")
    if groups["name"] is not None:
        return command(match, groups["name"], groups["arg"])
    return ESCAPED.get(groups["char"], match.group())


def command(match: re.Match, name: str, argument: str | None) -> str:
    if name in KEEP_ARGUMENT:
        return untex(argument) if argument is not None else ""
    if name in DROP_ARGUMENT:
        return ""
    if name in SYMBOLS:
        return SYMBOLS[name] + (f"{{{untex(argument)}}}" if argument is not None else "")
    return match.group()


def accented(accent: str, letter: str) -> str:
    mark, takes = ACCENTS[accent]
    letter = letter.lstrip("\\")
    if letter and letter in takes:
        return unicodedata.normalize("NFC", letter + mark)
    return accent + letter


def math_text(inner: str) -> str:
    """Inline math as text: its commands rendered, simple super- and subscripts as such (`^2` as ², `_{12}` as
    ₁₂), and grouping braces dropped."""
    text = untex(inner)
    text = SUPER.sub(lambda m: (m.group(1) or m.group(2)).translate(SUPERSCRIPT), text)
    text = SUB.sub(lambda m: (m.group(1) or m.group(2)).translate(SUBSCRIPT), text)
    return text.replace("{", "").replace("}", "")
