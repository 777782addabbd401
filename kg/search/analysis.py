"""The analyser: the same small steps for the text we index and the words people type.

Lucene and Elasticsearch's Japanese analysers are built from named steps, and so is this one:

1. character filter `fold_width`: NFKC (full-width Latin and digits, half-width kana) and lower case;
2. `join_lines`: white space between two Japanese characters is dropped (the plan texts break lines
   inside words), white space elsewhere stays;
3. tokenizer `words`: Sudachi (sudachidict-core, split mode A) → each token's `normalized_form`, so
   子ども / こども / 子供 and 申込み / 申し込み become one word;
4. token filter `fold_kana`: hiragana → katakana, because Sudachi does not fold ごみ / ゴミ;
5. `bigrams`: character 2-grams of the folded text beside the words, so a two-character word, a name or a
   word the dictionary lacks is found wherever it occurs, as a substring search would find it.

>>> fold("ＳＤＧｓと ｺﾞﾐ出し")
'sdgsトゴミ出シ'
>>> fold_kana(fold("ごみ")) == fold_kana(fold("ゴミ"))
True
>>> words("子ども") == words("こども") == words("子供")
True
>>> bigrams("ごみ出し")
['ゴミ', 'ミ出', '出シ']
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
_KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))
_KANA = str.maketrans(_HIRAGANA, _KATAKANA)
_JA = r"\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f々〆〇ー・"
_JOIN = re.compile(rf"(?<=[{_JA}])\s+(?=[{_JA}])")
_SPACE = re.compile(r"\s+")


def fold_width(text: str) -> str:
    """NFKC and lower case: `ＳＤＧｓ` → `sdgs`, `ｺﾞﾐ` → `ゴミ`, `１３` → `13`.

    >>> fold_width("ＳＤＧ１３ ｺﾞﾐ")
    'sdg13 ゴミ'
    """
    return unicodedata.normalize("NFKC", text).lower()


def join_lines(text: str) -> str:
    """Drop white space between Japanese characters (a line break inside a word in the source).

    >>> join_lines("再生可能\\nエネルギー and CO2 削減")
    '再生可能エネルギー and CO2 削減'
    """
    return _JOIN.sub("", text)


def fold_kana(text: str) -> str:
    """Hiragana → katakana (Sudachi leaves ごみ and ゴミ apart).

    >>> fold_kana("こども ごみ")
    'コドモ ゴミ'
    """
    return text.translate(_KANA)


def fold(text: str) -> str:
    """Width, lines and kana: the text the n-grams and the snippets are cut from."""
    return fold_kana(join_lines(fold_width(text)))


@functools.cache
def _tokenizer():  # type: ignore[no-untyped-def]
    """One Sudachi tokenizer per process (the dictionary ships in sudachidict-core: nothing is fetched)."""
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(mode=SplitMode.A)


@dataclass(frozen=True)
class Token:
    """A word: its key (normalised, folded) and where its surface is in the NFKC-folded text."""

    key: str
    begin: int
    end: int


def tokens(text: str) -> list[Token]:
    """Sudachi mode-A words of `text` (after width folding and line joining) with their offsets in
    `join_lines(fold_width(text))`; white space and punctuation are dropped.

    >>> [t.key for t in tokens("ゴミの減量")]
    ['ゴミ', 'ノ', '減量']
    """
    prepared = join_lines(fold_width(text))
    out: list[Token] = []
    for piece in _pieces(prepared):
        start, chunk = piece
        for m in _tokenizer().tokenize(chunk):
            surface = m.surface()
            if not surface.strip() or unicodedata.category(surface[0]).startswith(("P", "Z", "S")):
                continue
            out.append(Token(fold_kana(m.normalized_form().lower()), start + m.begin(), start + m.end()))
    return out


def _pieces(text: str, size: int = 4000) -> list[tuple[int, str]]:
    """Sudachi refuses very long inputs: cut at line ends (or hard) below `size` characters."""
    if len(text) <= size:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        cut = text.rfind("\n", start, end)
        if end < len(text) and cut > start:
            end = cut + 1
        out.append((start, text[start:end]))
        start = end
    return out


@functools.lru_cache(maxsize=100_000)
def _words(text: str) -> tuple[str, ...]:
    return tuple(t.key for t in tokens(text))


def words(text: str) -> list[str]:
    """The word keys of `text`, in order (the positions a phrase query relies on); a text met again
    (a repeated heading, a partner's name) is analysed once."""
    return list(_words(text))


def bigrams(text: str) -> list[str]:
    """Character 2-grams of `fold(text)`, spaces removed; a one-character text is its own gram.

    >>> bigrams("防災")
    ['防災']
    """
    folded = _SPACE.sub("", fold(text))
    if len(folded) < 2:
        return [folded] if folded else []
    return [folded[i : i + 2] for i in range(len(folded) - 1)]


__all__ = ["Token", "bigrams", "fold", "fold_kana", "fold_width", "join_lines", "tokens", "words"]
