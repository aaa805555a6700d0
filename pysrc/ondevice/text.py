"""Pure-Python BERT WordPiece tokenizer for all-MiniLM-L6-v2 (uncased BERT vocab).

Reproduces, id for id, what the HuggingFace ``tokenizers`` library does with the
model's ``tokenizer.json`` (BertNormalizer + BertPreTokenizer + WordPiece +
[CLS]/[SEP] template + longest-first truncation), using only the standard
library so it runs unchanged in CPython and in Pyodide (WebAssembly).

Pipeline, per text:

1. Special tokens written literally in the raw text ("[MASK]", "[SEP]", ...)
   are matched first and become their own id (as the reference does).
2. Normalisation, one ``str.translate`` pass with a lazily filled per-character
   table: drop NUL, U+FFFD and control/format/private-use characters, map
   whitespace to " ", surround CJK ideographs with spaces, strip accents (NFD
   then drop Mn marks), lower-case character by character (so no final-sigma
   rule, as in Rust).
3. Split on whitespace, then isolate every punctuation character (ASCII
   punctuation or Unicode category P*).
4. Greedy longest-match-first WordPiece with the "##" continuation prefix;
   a word longer than ``max_input_chars_per_word`` or with an unmatchable
   remainder becomes a single [UNK].

Unicode versions: the reference classifies characters (Cf, Mn, P*) and
decomposes them (NFD) with Unicode <= 8.0 tables from old Rust crates, but
lower-cases with Rust's own, newer tables (Unicode 16). ``unicodedata`` here
is 14.0 (CPython 3.11) or 15.0 (Pyodide's 3.12), so the few differences are
listed explicitly below: characters added since, which the reference treats
as plain letters (``_LEGACY_PLAIN``), old category assignments
(``_LEGACY_MN``, ``_LEGACY_PUNCT``) and newer lower-case pairs
(``_EXTRA_LOWER``). tests/test_text.py checks every code point against the
reference; recheck when moving to a Python with a newer Unicode (3.14: 16.0).
Not reproduced: canonical reordering across characters of combining marks
that are not Mn (musical stems, Hangul tone marks), which NFD could swap.

Results are cached per whitespace-separated chunk, so a repeated word costs a
dict lookup; the per-character normalisation table fills in as text is seen.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Cf / Mn / P* (or decomposable) today, but unknown to the reference's tables: hex "a-b" or "a".
_LEGACY_PLAIN_SPEC = """
61d 7fd 890-891 898-89f 8ca-8e2 9fd-9fe a76 afa-aff b55 c04 c3c c77 c84 d00 d3b-d3c d81 eba 180f
1885-1886 1abf-1ace 1b7d-1b7e 1df6-1dfb 2e43-2e4f 2e52-2e5d a82c a8c5 a8ff a9bd 10d24-10d27 10eab-10ead
10f46-10f50 10f55-10f59 10f82-10f89 11070 11073-11074 110c2 110cd 111c9 111cf 1123e 1133b 11438-1143f
11442-11444 11446 1144b-1144f 1145a-1145b 1145d-1145e 11660-1166c 116b9 1182f-11837 11839-1183b 11938
1193b-1193c 1193e 11943-11946 119d4-119d7 119da-119db 119e0 119e2 11a01-11a0a 11a33-11a38 11a3b-11a47
11a51-11a56 11a59-11a5b 11a8a-11a96 11a98-11a9c 11a9e-11aa2 11c30-11c36 11c38-11c3d 11c3f 11c41-11c45
11c70-11c71 11c92-11ca7 11caa-11cb0 11cb2-11cb3 11cb5-11cb6 11d31-11d36 11d3a 11d3c-11d3d 11d3f-11d45
11d47 11d90-11d91 11d95 11d97 11ef3-11ef4 11ef7-11ef8 11fff 12ff1-12ff2 13430-13438 16e97-16e9a 16f4f
16fe2 16fe4 1cf00-1cf2d 1cf30-1cf46 1e000-1e006 1e008-1e018 1e01b-1e021 1e023-1e024 1e026-1e02a
1e130-1e136 1e2ae 1e2ec-1e2ef 1e944-1e94a 1e95e-1e95f
ece 10efd-10eff 11241 11b00-11b09 11f00-11f01 11f36-11f3a 11f40 11f42-11f4f 13439-13440 13447-13455 1e08f
1e4ec-1e4ef
"""


def _parse_ranges(spec: str) -> frozenset[str]:
    chars: set[str] = set()
    for item in spec.split():
        lo, _, hi = item.partition("-")
        chars.update(map(chr, range(int(lo, 16), int(hi or lo, 16) + 1)))
    return frozenset(chars)


_LEGACY_PLAIN = _parse_ranges(_LEGACY_PLAIN_SPEC)
_LEGACY_MN = frozenset("\u1734")  # Mc today, Mn in the old tables
_LEGACY_PUNCT = frozenset("\u166d\U000111c9")  # So / Mn today, Po in the old tables
# Lower-case pairs that Rust's std (Unicode 16) knows and Python's unicodedata (<= 15.1) lacks.
_EXTRA_LOWER = {"\u1c89": "\u1c8a", "\ua7cb": "\u0264", "\ua7cc": "\ua7cd", "\ua7ce": "\ua7cf",
                "\ua7d2": "\ua7d3", "\ua7d4": "\ua7d5", "\ua7da": "\ua7db", "\ua7dc": "\u019b"}
_EXTRA_LOWER.update((chr(c), chr(c + 0x20)) for c in range(0x10D50, 0x10D66))  # Garay
_EXTRA_LOWER.update((chr(c), chr(c + 0x1B)) for c in range(0x16EA0, 0x16EB9))  # Beria Erfe
# Rust's char::is_whitespace (Unicode White_Space property).
_WHITESPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                        + "".join(map(chr, range(0x2000, 0x200B))))
_WHITESPACE_RE = re.compile("[" + re.escape("".join(sorted(_WHITESPACE))) + "]+")
_ASCII_PUNCT = frozenset(chr(i) for r in ((33, 48), (58, 65), (91, 97), (123, 127)) for i in range(*r))
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
               (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_CACHE_LIMIT = 1 << 16


def _is_control(c: str) -> bool:
    return (c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs")
            and c not in _LEGACY_PLAIN)


def _is_mark_nonspacing(c: str) -> bool:
    return c in _LEGACY_MN or (unicodedata.category(c) == "Mn" and c not in _LEGACY_PLAIN)


def _is_punctuation(c: str) -> bool:
    return (c in _ASCII_PUNCT or c in _LEGACY_PUNCT
            or (unicodedata.category(c)[0] == "P" and c not in _LEGACY_PLAIN))


class _LazyTable(dict):
    """A dict that fills itself on first access through ``func(key)``."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        super().__init__()
        self._func = func

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._func(key)
        return value


@dataclass(frozen=True)
class Encoding:
    """One encoded text: ``ids`` is [CLS] + WordPiece ids + [SEP], length <= max_length."""

    ids: list[int]
    truncated: bool


class WordPieceTokenizer:
    """BERT basic tokenisation + WordPiece, exactly as HuggingFace ``tokenizers`` does it.

    Build it once (``from_tokenizer_json``) and treat it as immutable: the
    per-character and per-chunk caches assume the settings never change.
    """

    def __init__(self, vocab: Mapping[str, int], *, max_length: int = 512,
                 unk_token: str = "[UNK]", cls_token: str = "[CLS]", sep_token: str = "[SEP]",
                 pad_token: str = "[PAD]", special_tokens: Iterable[str] = (),
                 max_input_chars_per_word: int = 100, continuing_subword_prefix: str = "##",
                 clean_text: bool = True, handle_chinese_chars: bool = True,
                 strip_accents: bool | None = None, lowercase: bool = True) -> None:
        if max_length < 2:
            raise ValueError("max_length must leave room for [CLS] and [SEP]")
        self.vocab = dict(vocab)
        self.unk_id, self.cls_id = self.vocab[unk_token], self.vocab[cls_token]
        self.sep_id, self.pad_id = self.vocab[sep_token], self.vocab[pad_token]
        self.max_length = max_length
        self.max_input_chars_per_word = max_input_chars_per_word
        self.prefix = continuing_subword_prefix
        self.clean_text, self.handle_chinese_chars = clean_text, handle_chinese_chars
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.lowercase = lowercase
        specials = sorted({unk_token, cls_token, sep_token, pad_token, *special_tokens},
                          key=len, reverse=True)
        self._special_ids = {t: self.vocab[t] for t in specials}
        self._special_re = re.compile("(" + "|".join(map(re.escape, specials)) + ")")
        self._longest = max(map(len, self.vocab))
        self._char_table = _LazyTable(self._normalize_char)
        self._is_punct = _LazyTable(_is_punctuation)
        self._chunks: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_tokenizer_json(cls, text_or_dict: str | bytes | Mapping[str, Any], *,
                            max_length: int | None = None) -> WordPieceTokenizer:
        """Build from a HuggingFace ``tokenizer.json`` (its text or the parsed dict).

        ``max_length`` (special tokens included) defaults to the file's
        ``truncation.max_length``, else 512. Note sentence-transformers runs
        all-MiniLM-L6-v2 with 256 while its tokenizer.json says 128.
        """
        spec = json.loads(text_or_dict) if isinstance(text_or_dict, (str, bytes)) else text_or_dict
        model, norm = spec["model"], spec.get("normalizer") or {}
        if model.get("type") != "WordPiece" or norm.get("type") != "BertNormalizer" \
                or (spec.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
            raise ValueError("expected WordPiece + BertNormalizer + BertPreTokenizer")
        added = spec.get("added_tokens") or []
        if any(t.get("normalized") or t.get("lstrip") or t.get("rstrip") or t.get("single_word")
               for t in added):
            raise ValueError("only plain special tokens (normalized=false) are supported")
        post = spec.get("post_processor") or {}
        cls_token, sep_token = "[CLS]", "[SEP]"
        if post.get("type") == "BertProcessing":
            sep_token, cls_token = post["sep"][0], post["cls"][0]
        elif post.get("type") == "TemplateProcessing":
            single = [p["SpecialToken"]["id"] for p in post["single"] if "SpecialToken" in p]
            if len(single) == 2:
                cls_token, sep_token = single
        padding = spec.get("padding") or {}
        if max_length is None:
            max_length = (spec.get("truncation") or {}).get("max_length", 512)
        return cls(model["vocab"], max_length=max_length, unk_token=model["unk_token"],
                   cls_token=cls_token, sep_token=sep_token,
                   pad_token=padding.get("pad_token", "[PAD]"),
                   special_tokens=[t["content"] for t in added],
                   max_input_chars_per_word=model.get("max_input_chars_per_word", 100),
                   continuing_subword_prefix=model.get("continuing_subword_prefix", "##"),
                   clean_text=norm.get("clean_text", True),
                   handle_chinese_chars=norm.get("handle_chinese_chars", True),
                   strip_accents=norm.get("strip_accents"), lowercase=norm.get("lowercase", True))

    def _normalize_char(self, code_point: int) -> str:
        """What BertNormalizer turns one character into (possibly "" or several chars)."""
        c = chr(code_point)
        if self.clean_text:
            if c in "\x00\ufffd" or _is_control(c):
                return ""
            if c in _WHITESPACE:
                return " "
        out = c
        if self.strip_accents and c not in _LEGACY_PLAIN:  # the old tables have no NFD for these
            out = "".join(d for d in unicodedata.normalize("NFD", c) if not _is_mark_nonspacing(d))
        if self.lowercase:
            out = "".join(_EXTRA_LOWER.get(d) or d.lower() for d in out)
        if self.handle_chinese_chars and any(lo <= code_point <= hi for lo, hi in _CJK_RANGES):
            out = f" {out} "
        return out

    def normalize(self, text: str) -> str:
        """BertNormalizer output for ``text``."""
        return text.translate(self._char_table)

    def _wordpiece(self, word: str) -> list[int]:
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_id]
        ids, start, n, vocab = [], 0, len(word), self.vocab
        while start < n:
            for end in range(min(n, start + self._longest), start, -1):
                token_id = vocab.get(self.prefix + word[start:end] if start else word[start:end])
                if token_id is not None:
                    break
            else:
                return [self.unk_id]
            ids.append(token_id)
            start = end
        return ids

    def _split_punct(self, chunk: str) -> list[str]:
        """Isolate each punctuation character of a whitespace-free chunk."""
        if chunk.isalnum():  # letters/digits only: nothing to split
            return [chunk]
        words, start, is_punct = [], 0, self._is_punct
        for i, c in enumerate(chunk):
            if is_punct[c]:
                if start < i:
                    words.append(chunk[start:i])
                words.append(c)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
        return words

    def _chunks_of(self, text: str) -> list[str]:
        norm = text.translate(self._char_table)
        return norm.split() if self.clean_text else _WHITESPACE_RE.split(norm)

    def pre_tokenize(self, text: str) -> list[str]:
        """Normalised words (BertNormalizer + BertPreTokenizer) of text without special tokens."""
        return [word for chunk in self._chunks_of(text) for word in self._split_punct(chunk)]

    def _extend(self, ids: list[int], text: str, limit: int) -> None:
        """Append the ids of plain ``text`` (no special tokens), stopping past ``limit``."""
        cache = self._chunks
        for chunk in self._chunks_of(text):
            chunk_ids = cache.get(chunk)
            if chunk_ids is None:
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                chunk_ids = cache[chunk] = tuple(
                    i for word in self._split_punct(chunk) for i in self._wordpiece(word))
            ids += chunk_ids
            if len(ids) > limit:
                return

    def encode(self, text: str) -> Encoding:
        """[CLS] + tokens + [SEP], truncated to ``max_length`` ids; ``truncated`` says if it was."""
        limit, ids = self.max_length - 2, []
        parts = self._special_re.split(text)
        for i, part in enumerate(parts):
            if i % 2:
                ids.append(self._special_ids[part])
            elif part:
                self._extend(ids, part, limit)
            if len(ids) > limit:
                return Encoding([self.cls_id, *ids[:limit], self.sep_id], True)
        return Encoding([self.cls_id, *ids, self.sep_id], False)

    def encode_batch(self, texts: Iterable[str]) -> tuple[list[list[int]], list[list[int]], list[bool]]:
        """Encode and right-pad with [PAD] to the longest in the batch.

        Returns ``(ids, attention_mask, truncated)``: ids and mask are
        ``batch x seq_len`` lists of ints (mask 1 for real tokens, 0 for
        padding), ``truncated`` has one bool per text.
        """
        encodings = [self.encode(t) for t in texts]
        return (*self.pad(encodings), [e.truncated for e in encodings])

    def pad(self, encodings: Sequence[Encoding]) -> tuple[list[list[int]], list[list[int]]]:
        """Right-pad encodings with [PAD] to the longest: ``(ids, attention_mask)``."""
        width = max((len(e.ids) for e in encodings), default=0)
        ids = [e.ids + [self.pad_id] * (width - len(e.ids)) for e in encodings]
        mask = [[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in encodings]
        return ids, mask
