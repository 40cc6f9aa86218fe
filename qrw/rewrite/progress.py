"""A progress bar for local runs: queries done, read from files the tasks update.

Why files: Spark only reports progress per finished task, and with one partition
per engine slot that is 0% until the very end. On a local master the Python
workers share the driver's disk, so each task rewrites ``p<partition>`` with its
rows done after every chunk and a driver thread sums them. On a cluster the bar
is off (use the Spark UI and the per-partition log lines).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def rows_done(folder: Path) -> int:
    total = 0
    for f in folder.glob("p*"):
        if f.suffix:  # p3.0.tmp: being written
            continue
        try:
            total += int(f.read_text() or 0)
        except (OSError, ValueError):
            pass
    return total


@contextmanager
def query_progress(total: int, enabled: bool, description: str = "rewriting") -> Iterator[str | None]:
    """Yield a folder for the tasks to report into (None when disabled); show a rich bar meanwhile."""
    if not enabled or total <= 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="qrw-progress-"))
    stop = threading.Event()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)

    def poll(task_id) -> None:
        while not stop.wait(0.5):
            progress.update(task_id, completed=min(total, rows_done(folder)))

    with progress:
        task_id = progress.add_task(description, total=total)
        thread = threading.Thread(target=poll, args=(task_id,), daemon=True)
        thread.start()
        try:
            yield str(folder)
        finally:
            stop.set()
            thread.join(timeout=2)
            shutil.rmtree(folder, ignore_errors=True)
