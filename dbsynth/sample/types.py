"""Artefacts handed from the sampler to the validator and the loader (defined in dbsynth/frames.py)."""
from dbsynth.frames import TableChunk

__all__ = ["TableChunk"]
