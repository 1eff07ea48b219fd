"""A cheap pre-test for case-insensitive patterns run over prose by the rules and the checks."""

from __future__ import annotations

__all__ = ["may_match"]


def may_match(text: str, words: tuple[str, ...]) -> bool:
    """Whether a case-insensitive pattern needing one of ``words`` (lower-case ASCII) can match
    ``text``. Exact for ASCII text, where IGNORECASE matches an ASCII letter only with itself in
    either case; text with other characters (four of which also match ASCII letters: İ ı ſ K)
    is left to the pattern. Far faster than the pattern's search."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in words)
