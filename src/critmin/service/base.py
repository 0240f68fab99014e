"""Base models of the request layer: requests, responses and tabular responses.

A tabular response carries its rows as a DataFrame (so a million indicator values are
not turned into a million Python objects) and declares their shape with a row model:
the JSON Schema says ``rows: [Row]`` and :meth:`Response.json_text` writes the frame's
records at full float precision (Python's shortest round-trip ``repr``), missing as
``null``.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, ClassVar, Self

import pandas as pd
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidatorFunctionWrapHandler, WrapValidator

from critmin import METHOD_VERSION  # noqa: F401 (every response's, re-exported)
from critmin.catalog.reasons import Phrase


def _keep_reason(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, Phrase) else handler(value)


PhraseText = Annotated[str, WrapValidator(_keep_reason)]
"""A missing-data reason or an axis note in a response: a string in JSON (its English
text) that keeps, in memory, the code and fields it was made from
(:class:`critmin.catalog.reasons.Phrase`), so views render it in a reader's language by
its code."""


class Request(BaseModel):
    """A command's input, validated; unknown fields are an error, and so is an infinite
    or NaN number (``1e400`` on the web or the command line is a user error)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def clean(value: Any) -> Any:
    """A JSON-ready value: NumPy scalars unwrapped, NaN/NA/NaT → None, full precision."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts (see :func:`clean`), built column by
    column (``Series.tolist`` gives Python scalars; object columns are cleaned value by
    value), so a large result serialises in one pass without a call per cell."""
    names = [str(c) for c in frame.columns]
    columns = [_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _column(col: pd.Series) -> list[Any]:
    if col.dtype == object:
        return [clean(v) for v in col.tolist()]
    values = col.tolist()
    missing = col.isna().to_numpy()
    if missing.any():
        values = [None if m else v for v, m in zip(values, missing, strict=True)]
    return values


class Response(BaseModel):
    """A command's result: which command, the method version and the request it answers.

    Subclasses add their fields; tabular ones derive from :class:`TableResponse`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    command: str
    method_version: str = METHOD_VERSION
    request: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The JSON-ready content (what :meth:`json_text` writes)."""
        return clean(self.model_dump(mode="python"))

    def json_text(self) -> str:
        """The response as JSON text, floats at full precision, NaN as null."""
        return json.dumps(self.payload(), ensure_ascii=False, indent=1, default=str,
                          allow_nan=False) + "\n"


class TableResponse(Response):
    """A response whose main content is a table of rows of :attr:`Row`."""

    Row: ClassVar[type[BaseModel]]
    columns: list[str]
    """The columns in the order the table and CSV show them."""
    rows: list[Any] = []
    _frame: pd.DataFrame | None = PrivateAttr(default=None)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, **fields: Any) -> Self:
        """The response for ``frame`` (not copied into Python objects until serialised)."""
        out = cls.model_construct(rows=[], **{"method_version": METHOD_VERSION, **fields})
        out._frame = frame
        return out

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame."""
        if self._frame is None:
            self._frame = pd.DataFrame(self.rows, columns=self.columns)
        return self._frame

    def payload(self) -> dict[str, Any]:
        head = clean(self.model_dump(mode="python", exclude={"rows"}))
        return {**head, "rows": records(self.frame[self.columns])}

    @classmethod
    def validate_rows(cls, rows: list[dict[str, Any]]) -> list[BaseModel]:
        """``rows`` (e.g. parsed from :meth:`json_text`) checked against :attr:`Row`."""
        from pydantic import TypeAdapter

        return TypeAdapter(list[cls.Row]).validate_python(rows)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema with ``rows`` typed by :attr:`Row`."""
        typed = type(cls.__name__, (cls,), {"__annotations__": {"rows": list[cls.Row]}})
        return BaseModel.model_json_schema.__func__(typed, *args, **kwargs)
