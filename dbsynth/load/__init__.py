"""Load synthetic chunks into a target database, or write them to a sample folder."""
from dbsynth.load.files import read_chunks, write_chunks
from dbsynth.load.loader import LoadSummary, key_offsets, load

__all__ = ["LoadSummary", "key_offsets", "load", "read_chunks", "write_chunks"]
