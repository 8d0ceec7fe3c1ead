"""The run's progress display on standard error: one line per stage, with a bar for extraction (rich)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

LABELS = {
    "extract": "extract  抽取文档",
    "load": "load     载入仓库",
    "dbt": "dbt      建模与测试",
    "checks": "checks   勾稽检查",
    "docs": "docs     dbt 文档",
    "report": "report   报告页面",
    "publish": "publish  发布",
}


class RunProgress:
    """A rich Progress with a row per pipeline stage; `stage` and `extracted` are the pipeline's callbacks."""

    def __init__(self, stream=None):
        console = Console(file=stream or sys.stderr)
        self._progress = Progress(SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}"),
                                  BarColumn(bar_width=30), MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("[dim]{task.fields[item]}"), console=console, transient=False)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def stage(self, name: str, state: str) -> None:
        """Start or finish one stage's row."""
        if state == "start":
            if name not in self._tasks:
                self._tasks[name] = self._progress.add_task(LABELS.get(name, name), total=1, item="")
            else:
                self._progress.reset(self._tasks[name])
        else:
            task = self._tasks[name]
            total = self._progress.tasks[task].total or 1
            self._progress.update(task, completed=total, total=total, item="")
            self._progress.stop_task(task)

    def extracted(self, done: int, total: int, name: str) -> None:
        """One more document extracted."""
        if "extract" not in self._tasks:
            self.stage("extract", "start")
        self._progress.update(self._tasks["extract"], completed=done, total=max(total, 1), item=name[:48])
