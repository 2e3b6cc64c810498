"""School abbreviations as people write them ("SMPN 5") and as the data names them ("SMP
Negeri 5"), both ways, so a search finds the school whichever form either side uses."""

from __future__ import annotations

import re

# levels written before "Negeri"/"Swasta", or glued to its first letter ("SMAN", "SDS")
LEVELS = ("SD", "SMP", "SMA", "SMK", "SLB", "MI", "MTs", "MA")
STATUS = {"n": "Negeri", "s": "Swasta"}
# madrasah levels spelt out
SPELLED = {
    "MI": "Madrasah Ibtidaiyah",
    "MTs": "Madrasah Tsanawiyah",
    "MA": "Madrasah Aliyah",
    "SLB": "Sekolah Luar Biasa",
}
# glued forms that are ordinary words too ("Mas", "Man", "Min", "Mis"): only before a number
_AMBIGUOUS = {"mas", "man", "min", "mis"}
MAX_VARIANTS = 3  # the query as typed, spelt out, abbreviated

_LEVEL_OF = {level.lower(): level for level in LEVELS}
_SPELLED_OF = {words.lower(): level for level, words in SPELLED.items()}
_NUMBER = re.compile(r"^\d")


def _glued(token: str, following: str | None) -> tuple[str, str] | None:
    """``("SMP", "Negeri")`` for "smpn"; None when the token is no glued level."""
    low = token.lower()
    level, status = _LEVEL_OF.get(low[:-1]), STATUS.get(low[-1:])
    if level is None or status is None:
        return None
    if low in _AMBIGUOUS and not (following and _NUMBER.match(following)):
        return None
    return level, status


def _expanded(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for i, token in enumerate(tokens):
        glued = _glued(token, tokens[i + 1] if i + 1 < len(tokens) else None)
        out.extend(glued if glued else [token])
    return out


def _contracted(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        level = _LEVEL_OF.get(tokens[i].lower())
        status = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if level and status in ("negeri", "swasta"):
            out.append(level.upper() + status[0].upper())
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def _spelled_out(text: str) -> str:
    # "MTs Negeri 2" -> "Madrasah Tsanawiyah Negeri 2", and back
    low = text.lower()
    for words, level in _SPELLED_OF.items():
        if words in low:
            return re.sub(re.escape(words), level, text, flags=re.IGNORECASE)
    tokens = text.split()
    return " ".join(SPELLED.get(_LEVEL_OF.get(t.lower(), ""), t) for t in tokens)


def school_variants(q: str) -> list[str]:
    """The query as typed, then its other spellings of school levels (at most ``MAX_VARIANTS``).

    "SMPN 5" gives "SMP Negeri 5"; "SMA Negeri 2" gives "SMAN 2"; "MTs 1" gives "Madrasah
    Tsanawiyah 1" and "Madrasah Aliyah" gives "MA". A query without a school level is
    returned alone.
    """
    tokens = q.split()
    variants = [q]
    for other in (" ".join(_expanded(tokens)), " ".join(_contracted(tokens))):
        if other.lower() != q.lower():
            variants.append(other)
    spelled = _spelled_out(variants[-1] if len(variants) > 1 else q)
    if spelled.lower() not in {v.lower() for v in variants}:
        variants.append(spelled)
    return variants[:MAX_VARIANTS]
