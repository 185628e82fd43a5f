"""The errors symdiff raises: each says where the problem is, what is wrong and what to do instead."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from .names import readable


@dataclass(frozen=True)
class Location:
    """A construct in the user's source: absolute line, 0-based column (as in `ast`), its text, and
    the call of the helper function it was inlined through, if any."""

    filename: str
    lineno: int
    col_offset: int
    snippet: str = ""
    within: str = ""

    @property
    def statement(self) -> str:
        """The construct on one line, with the helper call it belongs to: for `# grad of:` comments."""
        text = " ".join(self.snippet.split())
        return f"{text}  [in {self.within}]" if self.within else text

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}:{self.col_offset + 1}"


class SymdiffError(Exception):
    """Base class of every error symdiff raises on bad input."""

    def __init__(self, message: str, *, location: Location | None = None, hint: str | None = None):
        self.message = readable(message)
        self.location = location
        self.hint = hint and readable(hint)
        super().__init__(self._render())

    @property
    def filename(self) -> str | None:
        return self.location.filename if self.location else None

    @property
    def lineno(self) -> int | None:
        return self.location.lineno if self.location else None

    @property
    def col_offset(self) -> int | None:
        return self.location.col_offset if self.location else None

    def one_line(self) -> str:
        """The error on one line: where, what, and what to do."""
        head = f"{self.location}: {self.message}" if self.location else self.message
        return f"{head} ({self.hint.rstrip('.')})" if self.hint else head

    def _render(self) -> str:
        lines = [f"{self.location}: {self.message}" if self.location else self.message]
        if self.location and self.location.snippet:
            lines.append("    " + self.location.snippet.splitlines()[0])
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


def api_boundary(fn):
    """Raise the `SymdiffError`s of a public entry point from there: the traceback ends at the user's
    call instead of symdiff's internals (the error's own `__cause__` and `__context__` are kept; any
    other exception, an internal bug, keeps its full traceback)."""

    @functools.wraps(fn)
    def boundary(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SymdiffError as exc:
            raise exc.with_traceback(None)

    return boundary


class SourceError(SymdiffError):
    """The function's source cannot be found or parsed."""


class UnsupportedSyntaxError(SymdiffError):
    """A construct outside the straight-line subset symdiff compiles."""


class UnknownCallError(UnsupportedSyntaxError):
    """A call to a function symdiff has no rule for."""


class ShapeError(SymdiffError, ValueError):
    """Array shapes that numpy would refuse to combine."""


class WrtError(SymdiffError, ValueError):
    """A `wrt` that names no parameter of the function."""


class NonScalarOutputError(SymdiffError, ValueError):
    """`grad` of a function whose value is not a scalar."""


class InputTypeError(SymdiffError, TypeError):
    """A call-time argument of the wrong kind (an integer array to differentiate, an object array...)."""


class GradientCheckError(SymdiffError, AssertionError):
    """Gradients that disagree with finite differences."""
