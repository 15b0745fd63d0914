"""A small byte-level BPE in the exact style of OpenAI CLIP's tokenizer.

Trains merges on a corpus, encodes text the way CLIP's simple_tokenizer and
the Hugging Face tokenizer.json pipeline do (NFC, whitespace collapse,
lowercase, CLIP's split regex, GPT-2 byte-level regex, BPE with a `</w>`
end-of-word suffix), and writes tokenizer.json / tokenizer_config.json /
special_tokens_map.json in the Hugging Face layout. Any word tokenizes:
the 256 byte symbols are always in the vocabulary.
"""

from __future__ import annotations

import collections
import json
import unicodedata
from pathlib import Path

import regex

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
CLIP_SPLIT = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
GPT2_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table (as CLIP uses it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_CHARS = bytes_to_unicode()


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = regex.sub(r"\s+", " ", text)
    return text.lower()


def pre_tokenize(text: str) -> list[str]:
    """Words as byte-level strings, ready for BPE."""
    out = []
    for piece in regex.findall(CLIP_SPLIT, normalize(text)):
        for sub in regex.findall(GPT2_SPLIT, piece):
            out.append("".join(BYTE_CHARS[b] for b in sub.encode("utf-8")))
    return out


def word_symbols(word: str) -> tuple[str, ...]:
    return tuple(word[:-1]) + (word[-1] + "</w>",)


def train_merges(corpus: list[str], max_merges: int) -> list[tuple[str, str]]:
    counts = collections.Counter(w for text in corpus for w in pre_tokenize(text))
    words = {word_symbols(w): c for w, c in counts.items()}
    merges: list[tuple[str, str]] = []
    while len(merges) < max_merges:
        pairs: collections.Counter = collections.Counter()
        for syms, c in words.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        # Most frequent pair; ties broken by the pair itself so training is deterministic.
        best, freq = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if freq < 2:
            break
        merges.append(best)
        merged = {}
        for syms, c in words.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return merges


class Tokenizer:
    def __init__(self, merges: list[tuple[str, str]]):
        base = list(BYTE_CHARS.values())
        vocab = base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + [BOS, EOS]
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        if len(self.vocab) != len(vocab):
            raise ValueError("duplicate token in vocabulary")
        self.merges = merges
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.bos_id = self.vocab[BOS]
        self.eos_id = self.vocab[EOS]
        self.cache: dict[str, list[str]] = {}

    def bpe(self, word: str) -> list[str]:
        if word in self.cache:
            return self.cache[word]
        syms = list(word_symbols(word))
        while len(syms) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(syms, syms[1:]))]
            rank, _ = min(ranked)
            if rank == 1 << 30:
                break
            pair = self.merges[rank]
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == pair:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        self.cache[word] = syms
        return syms

    def encode(self, text: str, context_length: int) -> list[int]:
        """BOS + tokens + EOS, truncated so that EOS stays last; no padding."""
        ids = [self.vocab[t] for w in pre_tokenize(text) for t in self.bpe(w)]
        ids = ids[: context_length - 2]
        return [self.bos_id] + ids + [self.eos_id]

    def write(self, folder: Path, context_length: int) -> None:
        tokenizer_json = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.bos_id, "content": BOS, "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True},
                {"id": self.eos_id, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
            ],
            "normalizer": {
                "type": "Sequence",
                "normalizers": [{"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Lowercase"}],
            },
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": CLIP_SPLIT}, "behavior": "Removed", "invert": True},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
                ],
            },
            "post_processor": {"type": "RobertaProcessing", "sep": [EOS, self.eos_id], "cls": [BOS, self.bos_id], "trim_offsets": False, "add_prefix_space": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": EOS,
                "continuing_subword_prefix": "",
                "end_of_word_suffix": "</w>",
                "fuse_unk": False,
                "byte_fallback": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False, indent=1))
        token = lambda content: {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}  # noqa: E731
        config = {
            "add_prefix_space": False,
            "bos_token": token(BOS),
            "clean_up_tokenization_spaces": True,
            "do_lower_case": True,
            "eos_token": token(EOS),
            "errors": "replace",
            "model_max_length": context_length,
            "pad_token": EOS,
            "tokenizer_class": "CLIPTokenizer",
            "unk_token": token(EOS),
        }
        (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
        special = {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}
        (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2))
