"""A progress counter on stderr for the commands that run many invocations (`cost`, `tune`)."""

from __future__ import annotations

from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """A counter on stderr: redrawn in place on a terminal (each 1%), a line each 10%
    otherwise (a log file keeps every line). Steps are counted in invocations, not seconds, so
    an app on a fake clock shows progress too."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.is_terminal = stream.isatty()
        self.step = max(1, total // (100 if self.is_terminal else 10))
        self.shown = total >= 10
        self.done = 0

    def update(self) -> None:
        self.done += 1
        if self.shown and (self.done % self.step == 0 or self.done == self.total):
            text = f"invoked {self.done:,}/{self.total:,} ({self.done * 100 // self.total}%)"
            if self.is_terminal:
                self.stream.write("\r" + text)
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.shown and self.is_terminal and self.done:
            self.stream.write("\n")
            self.stream.flush()
