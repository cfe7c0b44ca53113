"""Options, results and the problem report of ``commcentre import contacts``."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from commcentre_tui.services.importing_rows import Problem

SHOWN_PROBLEMS = 20
"""Problems kept for the terminal (all of them go to the report file)."""


@dataclass
class ImportOptions:
    path: Path
    maps: list[str] = field(default_factory=list)
    mapping_file: Path | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    dry_run: bool = False
    update: bool = False
    skip_invalid: bool = False
    report: Path | None = None


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: int = 0
    shown: list[str] = field(default_factory=list)
    report_path: Path | None = None
    rejected_path: Path | None = None
    written: bool = False
    ignored_columns: list[str] = field(default_factory=list)


class Problems:
    """Problem lines: the first few kept for the terminal, all in the report file."""

    def __init__(self, options: ImportOptions, result: ImportResult, headers: list[str]) -> None:
        self.options = options
        self.result = result
        self.headers = headers
        self.report: IO[str] | None = None
        self.rejected: Any = None

    def add(self, problems: list[Problem], values: list[str] | None) -> None:
        name = self.options.path
        for line, column, sentence in problems:
            text = f"{name}:{line}: {column}: {sentence}"
            self.result.problems += 1
            if len(self.result.shown) < SHOWN_PROBLEMS:
                self.result.shown.append(text)
            self._report().write(text + "\n")
        self.result.rejected += 1
        if self.options.skip_invalid and values is not None:
            if self.rejected is None:
                path = self.result.rejected_path = _beside(self.report_path(), ".rejected.csv")
                handle = path.open("w", encoding="utf-8", newline="")
                self.rejected = (handle, csv.writer(handle))
                self.rejected[1].writerow([*self.headers, "import_problem"])
            self.rejected[1].writerow([*values, "; ".join(p[2] for p in problems)])

    def report_path(self) -> Path:
        return self.options.report or _beside(self.options.path, ".import-report.txt")

    def _report(self) -> IO[str]:
        if self.report is None:
            self.result.report_path = self.report_path()
            self.report = self.result.report_path.open("w", encoding="utf-8")
        return self.report

    def close(self) -> None:
        if self.report is not None:
            self.report.close()
        if self.rejected is not None:
            self.rejected[0].close()


def _beside(path: Path, suffix: str) -> Path:
    stem = path.name.removesuffix(".import-report.txt")
    stem = stem[: -len(path.suffix)] if path.suffix and stem == path.name else stem
    return path.with_name(stem + suffix)
