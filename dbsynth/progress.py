"""Rich progress for long stages: a spinner with the current step and rows per table."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from dbsynth.frames import TableChunk


log = logging.getLogger("dbsynth")  # the -v option shows these lines


class StageProgress:
    """What the pipeline reports into: free-text notes and row counts."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("starting", total=None)
        self.rows = 0

    def note(self, message: str) -> None:
        log.debug(message)
        self._progress.update(self._task, description=message)

    def count_rows(self, chunks: Iterable["TableChunk"]) -> Iterator["TableChunk"]:
        for chunk in chunks:
            self.rows += len(chunk.frame)
            log.debug("%s: %s valid rows in this batch", chunk.table, f"{len(chunk.frame):,}")
            self._progress.update(self._task, description=f"sampling/loading {chunk.table}: {self.rows:,} rows so far")
            yield chunk


@contextmanager
def stage_progress(console: Console) -> Iterator[StageProgress]:
    # transient: the bar disappears and the summary table stays.
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        yield StageProgress(progress)
