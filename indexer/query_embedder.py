"""The question embedder: how questions are embedded on the request path.

Questions, one short text at a time, are embedded by :func:`load_query_embedder`: the
model's ONNX export (:mod:`indexer.embedder`) with its weights stored as 8-bit integers in blocks of 32 (onnxruntime's MatMulNBits, int8
arithmetic). A single question reads every weight once, so a quarter of the bytes made it
about a third quicker on the machines it was first measured on, and its vector stays within
cosine 0.999 of the full-precision one (0.9994 at worst over 1,000 benchmark questions; a
file below QUERY_MIN_COSINE on the probes is refused when made; ``make eval`` shows the same
nDCG@5). On a processor with AVX2 but no 8-bit dot-product instructions (VNNI) it is slower
than full precision: a question took 9.4 ms at p50 against 5.4 ms. So by default (``auto``)
both are timed on probe questions when the embedder is loaded, and the 8-bit weights are
kept only where they are clearly quicker (:func:`quicker_precision`). It runs on up to two
threads (:func:`query_threads`) that sleep rather than spin while they wait: on a quiet
machine the second core cuts the time by about a quarter, and when the other core is busy
the call runs as fast as on one thread, where spinning threads would double it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.embedder import (
    _EXPORT_PROBES,
    Embedder,
    EmbedderError,
    OnnxEmbedder,
    load_embedder,
    onnx_path_for,
    query_threads,
    resolve_model,
)

log = logging.getLogger(__name__)
_quantize_lock = threading.Lock()

# The question embedder's weights, and how close its vectors must stay to the model's.
QUERY_WEIGHT_BITS = 8
QUERY_BLOCK_SIZE = 32
QUERY_MIN_COSINE = 0.998  # a question's vectors: 0.9994 at worst over 1,000 questions
QUERY_PRECISIONS = ("auto", "int8", "float32")
# auto keeps the 8-bit weights only when they embed the probes at least this much quicker than
# full precision: close timings are noise, and full precision is the model's own vectors.
QUERY_INT8_QUICKER_BY = 0.10
QUERY_TIMING_ROUNDS = 3
_QUERY_PROBES = (
    *_EXPORT_PROBES,
    "lads on e-bikes grabbing mobiles out of people's hands",
    "knif crime what works young men under 25",
    "DA what works",
    "takeaway staff had passports taken, sleeping above the shop, paid nothing",
    "Youth workers based in emergency departments engage young people admitted with violent "
    "injuries at a reachable moment; some trials report fewer reinjuries and arrests.",
)


def quantize_for_questions(model_dir: Path, onnx_path: Path, out_path: Path) -> Path:
    """Write the question embedder's model: ``onnx_path`` with 8-bit block-wise weights.

    Checked against the full-precision export on probe questions and passages before it is
    kept (written to a temporary name and renamed); raises EmbedderError if a vector drifts
    below QUERY_MIN_COSINE.
    """
    import onnx

    # The quantizer's module calls logging.basicConfig(level=INFO) when imported, which would
    # print its every step: a handler on the root logger for the import makes that a no-op.
    root, guard = logging.getLogger(), logging.NullHandler()
    root.addHandler(guard)
    try:
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    finally:
        root.removeHandler(guard)
    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)

    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(onnx_path)), block_size=QUERY_BLOCK_SIZE, is_symmetric=True, bits=QUERY_WEIGHT_BITS,
        accuracy_level=4,  # int8 arithmetic
    )
    quantizer.process()
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        quantizer.model.save_model_to_file(str(tmp), use_external_data_format=False)
        full = OnnxEmbedder(model_dir, onnx_path).embed(_QUERY_PROBES)
        small = OnnxEmbedder(model_dir, tmp).embed(_QUERY_PROBES)
        cosine = float((full * small).sum(axis=1).min())
        if cosine < QUERY_MIN_COSINE:
            raise EmbedderError(f"8-bit question vectors drift to cosine {cosine:.5f} from the model's")
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("question embedder made with 8-bit weights", extra={"min_cosine": round(cosine, 6)})
    return out_path


def quicker_precision(embedders: dict[str, Embedder], probes: Sequence[str] = _QUERY_PROBES,
                      rounds: int = QUERY_TIMING_ROUNDS) -> tuple[str, dict[str, float]]:
    """Which of an ``int8`` and a ``float32`` question embedder to serve with, and each one's
    median time per probe question in milliseconds: int8 only when it is at least
    ``QUERY_INT8_QUICKER_BY`` quicker. Each probe is embedded by both in turn, in every
    round, so a machine whose speed drifts slows both alike."""
    for embedder in embedders.values():  # warm up: the first calls allocate
        embedder.embed(list(probes[:2]))
    times: dict[str, list[float]] = {name: [] for name in embedders}
    for _ in range(rounds):
        for text in probes:
            for name, embedder in embedders.items():
                start = time.perf_counter()
                embedder.embed([text])
                times[name].append((time.perf_counter() - start) * 1000)
    medians = {name: float(np.median(t)) for name, t in times.items()}
    quicker = medians["int8"] <= (1 - QUERY_INT8_QUICKER_BY) * medians["float32"]
    return ("int8" if quicker else "float32"), medians


def timed_query_embedder(model: str | None = None, *,
                         cache_dir: Path | str = "data/models") -> tuple[Embedder, dict[str, float]]:
    """The question embedder ``auto`` chooses, and each precision's median milliseconds per
    probe question (none when no 8-bit copy could be made, so there was nothing to time)."""
    small = load_query_embedder(model, cache_dir=cache_dir, precision="int8")
    full = load_query_embedder(model, cache_dir=cache_dir, precision="float32")
    if not (isinstance(small, OnnxEmbedder) and isinstance(full, OnnxEmbedder)) or small.path == full.path:
        return full, {}
    chosen, medians = quicker_precision({"int8": small, "float32": full})
    log.info("question embedder chosen by timing", extra={
        "precision": chosen, "int8_ms": round(medians["int8"], 2), "float32_ms": round(medians["float32"], 2)})
    return (small if chosen == "int8" else full), medians


def load_query_embedder(model: str | None = None, *, cache_dir: Path | str = "data/models",
                        precision: str = "auto") -> Embedder:
    """The embedder for questions on the request path (see the module's docstring).

    ``precision`` is ``int8`` (8-bit weights, made and checked on first use; the full
    model if that fails), ``float32`` (the export as it is) or ``auto``: whichever of the
    two embeds questions quicker on this machine (:func:`quicker_precision`).
    """
    if precision not in QUERY_PRECISIONS:
        raise EmbedderError(f"unknown question precision {precision!r}: use {' or '.join(QUERY_PRECISIONS)}")
    if precision == "auto":
        return timed_query_embedder(model, cache_dir=cache_dir)[0]
    if precision == "float32":
        return load_embedder(model, cache_dir=cache_dir, threads=query_threads(), spin=False)
    model_dir = resolve_model(model)
    full = onnx_path_for(model_dir, Path(cache_dir))
    path = full.with_name(f"{full.stem}-q{QUERY_WEIGHT_BITS}b{QUERY_BLOCK_SIZE}.onnx")
    if not path.is_file():  # first use: the full model (exported if need be), then its 8-bit copy
        embedder = load_embedder(model, cache_dir=cache_dir, threads=query_threads(), spin=False)
        if not isinstance(embedder, OnnxEmbedder):
            return embedder
        with _quantize_lock:
            if not path.is_file():
                try:
                    quantize_for_questions(model_dir, full, path)
                except Exception as exc:
                    log.warning("8-bit question embedder not made; using the full model",
                                extra={"error": type(exc).__name__})
                    return embedder
    return OnnxEmbedder(model_dir, path, threads=query_threads(), spin=False, precision="int8")
