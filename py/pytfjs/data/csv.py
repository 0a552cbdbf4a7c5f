"""CSV files for machine learning, the Python way of the course's ``tf.data.csv``.

    table = read(data, name="iris.csv")          # bytes/str: detects encoding, delimiter, header
    table.describe()                              # what the page previews
    data = table.prepare(label="species", validation_split=0.2, seed=0)
    data.x_train, data.y_train, data.x_val, data.y_val   # float32 numpy arrays
    data.class_names, data.preprocessing()                # what an exported model needs

Bad input raises :class:`CsvError` with a message that names the file, the row or column
and what to do. Problems the learner can settle themselves (text in a feature column,
missing values, another encoding) carry ``choices``: call again with one of them.
"""

from __future__ import annotations

import csv as _csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ..control import InputError
from ..i18n import _, ngettext

MAX_BYTES = limits.CSV_MAX_BYTES
MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
DELIMITERS = (",", ";", "\t", "|")
def _delimiter_name(delim: str) -> str:
    return {";": _("semicolons"), "\t": _("tabs"), "|": _("bars")}.get(delim, repr(delim))



CLASSIFICATION_MAX_CLASSES = 20
CLASS_MIN_ROWS = 5  # fewer rows per class on average: a warning; rarer classes may be grouped
OTHER_CLASS = "(other)"
# (BOM, codec): UTF-32 first, its little-endian BOM starts with UTF-16's
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x0b\x7f"
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")


class CsvError(InputError):
    """A CSV problem, explained: ``problem`` is a short code, ``choices`` what may fix it."""

    def __init__(self, message: str, *, problem: str, column: str | None = None,
                 line: int | None = None, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problem, self.column, self.line, self.choices = problem, column, line, choices


def _size_text(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def check_size(size: int, name: str, limit: int = MAX_BYTES) -> None:
    """Refuse files over ``limit`` before reading a byte of them."""
    if size > limit:
        raise CsvError(
            _("{name} is {size}; this page reads CSV files up to {limit} "
            "(bigger ones would freeze the browser tab). Use a sample of the rows, for example "
            "the first 100,000, or drop columns you do not need.")
                .format(name=name, size=_size_text(size), limit=_size_text(limit)),
            problem="too-big",
        )


def detect_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark (or UTF-16's zero bytes) gives away, else None.

    Excel's "Unicode Text" is UTF-16 with a BOM; some tools write UTF-16 without one,
    which shows as a zero byte beside every ASCII character.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    head = data[:4096]
    if len(head) >= 4 and head.count(0) >= len(head) // 3:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 3 * even:
            return "utf-16-le"
        if even > 3 * odd:
            return "utf-16-be"
    return None


def _looks_binary(data: bytes) -> bool:
    """Zero bytes or many control bytes: an image, a zip, a spreadsheet, not text."""
    head = data[:65536]
    if not head:
        return False
    return b"\x00" in head or sum(head.count(b) for b in _CONTROL_BYTES) > len(head) // 100


def _not_text(name: str) -> CsvError:
    return CsvError(
        _("{name} is not a text file: it holds binary data (it may be a spreadsheet, a zip "
          "or a picture renamed .csv). In your spreadsheet choose File > Save as > 'CSV "
          "UTF-8' and drop that file.").format(name=name), problem="binary")


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Text of ``data``: by its BOM (UTF-8, UTF-16, UTF-32), else UTF-8, or as chosen."""
    encoding = encoding or detect_encoding(data)
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            where = (_(" (byte {start:,} does not fit)").format(start=exc.start)
                     if isinstance(exc, UnicodeDecodeError)
                     else _(" (this page does not know that encoding)"))
            raise CsvError(_("{name} cannot be read as {encoding}{where}. Choose another "
                           "encoding, or save the file as 'CSV UTF-8'.")
                               .format(name=name, encoding=encoding, where=where),
                                       problem="encoding",
                           choices=("utf-8", "latin-1", "cp1252")) from None
        text = text.removeprefix("\ufeff")
        if "\x00" in text:
            raise _not_text(name)
        return text
    if _looks_binary(data):
        raise _not_text(name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError(
            _("{name} is not UTF-8 text (byte 0x{data:02x} on line {line}). Save it as "
            "'CSV UTF-8' from your spreadsheet, or read it as latin-1 (Western European) "
            "if that is how it was written.").format(name=name, data=data[exc.start], line=line),
            problem="encoding", line=line, choices=("latin-1", "cp1252"),
        ) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in _csv.reader(lines, delimiter=delim)]
        except _csv.Error:  # an unclosed quote, a huge field: _parse explains it
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_number(text: str) -> bool:
    """A finite number ("inf" and "1e999" are text: a model cannot learn from them)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING


@dataclass
class Column:
    name: str
    values: list[str]
    numeric: NDArray[Any] | None  # float64 with NaN for missing, None when there is text
    first_text_line: int | None  # first line holding text in a mostly numeric column
    missing: int

    @property
    def kind(self) -> str:
        return "number" if self.numeric is not None else "text"

    @property
    def empty(self) -> bool:
        """No value in any row (a spreadsheet export's unused column)."""
        return self.missing == len(self.values)

    def distinct(self) -> int:
        return len({v.strip() for v in self.values if not _is_missing(v)})


@dataclass
class CsvTable:
    """A parsed CSV file: columns of text, with numeric views where every value is a number."""

    name: str
    columns: dict[str, Column]
    rows: int
    delimiter: str
    encoding: str
    has_header: bool
    notes: list[str] = field(default_factory=list)
    first_data_line: int = 2

    @property
    def frame(self) -> Any:
        """The table as a pandas DataFrame (numbers as float64, missing as NaN)."""
        import pandas as pd

        return pd.DataFrame({
            name: (col.numeric if col.numeric is not None else
                   [None if _is_missing(v) else v.strip() for v in col.values])
            for name, col in self.columns.items()})

    def line_of(self, row: int) -> int:
        """Line number in the file of data row ``row`` (0-based)."""
        return self.first_data_line + row

    def describe(self, preview_rows: int = 5) -> dict[str, Any]:
        """What a preview shows: first rows, column types, missing values, distinct values."""
        names = list(self.columns)
        return {
            "name": self.name, "rows": self.rows, "delimiter": self.delimiter,
            "encoding": self.encoding, "has_header": self.has_header, "notes": list(self.notes),
            "columns": [{"name": c.name, "type": c.kind, "missing": c.missing,
                         "distinct": c.distinct()} for c in self.columns.values()],
            "preview": [[self.columns[n].values[i] for n in names]
                        for i in range(min(preview_rows, self.rows))],
        }

    def label_distribution(self, label: str) -> dict[str, int]:
        col = self._column(label)
        counts: dict[str, int] = {}
        for v in col.values:
            key = "(missing)" if _is_missing(v) else v.strip()
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _column(self, name: str) -> Column:
        if name not in self.columns:
            raise CsvError(_("{name} has no column {column!r}; its columns are "
                           "{items}.")
                               .format(name=self.name, column=name, items=", ".join(self.columns)),
                                       problem="no-column", column=name)
        return self.columns[name]

    def check_label(self, label: str, values: list[str] | None = None) -> None:
        """Refuse a label with fewer than two values (of ``values``, else the whole column)."""
        if values is None:
            values = [v for v in self._column(label).values if not _is_missing(v)]
        distinct = sorted({v.strip() for v in values})
        if len(distinct) < 2:
            only = distinct[0] if distinct else _("nothing")
            raise CsvError(
                _("the label column {label!r} of {name} has only one value ({only!r}): "
                "there is nothing to tell apart. Choose another label column, or add rows "
                "of the other classes.")
                    .format(label=label, name=self.name, only=only), problem="one-class",
                            column=label)

    def detect_task(self, label: str) -> str:
        """"classification" for text labels or few distinct whole numbers, else "regression"."""
        col = self._column(label)
        if col.numeric is None:
            return "classification"
        values = col.numeric[~np.isnan(col.numeric)]
        whole = bool(np.all(values == np.round(values)))
        return "classification" if whole and col.distinct() <= min(
            CLASSIFICATION_MAX_CLASSES, max(2, self.rows // 5)) else "regression"

    def id_like(self, name: str) -> bool:
        """A column with a different value in every row that is not a measurement."""
        col = self.columns[name]
        if self.rows < 10 or col.distinct() != self.rows:
            return False
        if col.numeric is None:
            return True
        values = col.numeric
        whole = bool(np.all(values == np.round(values)))
        looks_id = bool(re.search(r"(^|_|\b)id$|^id|index|^row", name.strip().lower()))
        steps = np.diff(values)
        sequential = whole and bool(np.all(steps == steps[0])) if len(steps) else False
        return whole and (looks_id or sequential)

    def check_trainable(self) -> None:
        """Refuse at once a table with fewer than two columns that hold values."""
        used = [n for n, c in self.columns.items() if not c.empty]
        if len(used) < 2:
            message = (_("{name} has only one column with values ({column!r}): a model "
                         "needs a column to predict and at least one other column to learn "
                         "from. Choose a file with more columns.") if used else
                       _("{name} has no column with values: a model needs a column to "
                         "predict and at least one other column to learn from. Choose a file "
                         "with more columns."))
            raise CsvError(
                message.format(name=self.name, column=used[0] if used else ""),
                problem="no-features")

    def feature_choices(self, label: str) -> list[str]:
        """The columns a model may learn ``label`` from (not empty ones); CsvError if none."""
        self._column(label)
        others = [n for n, c in self.columns.items() if n != label and not c.empty]
        if not others:
            empty = [n for n in self.columns if n != label]
            detail = (" (" + ngettext("{columns} is empty in every row",
                                      "{columns} are empty in every row", len(empty))
                      .format(columns=", ".join(repr(n) for n in empty)) + ")" if empty else "")
            raise CsvError(
                _("{name} has no column to learn {label!r} from besides the label itself"
                "{detail}. Choose another label, or a file with feature columns.")
                    .format(name=self.name, label=label, detail=detail),
                problem="no-features", column=label)
        return others

    def class_warning(self, label: str) -> str | None:
        """A warning when ``label`` has too many classes for the rows, else None."""
        parts = self._class_warning(label)
        return None if parts is None else " ".join(parts)

    def _class_warning(self, label: str) -> tuple[str, str] | None:
        """The class warning's two sentences: what is wrong, and the choices."""
        counts = {k: v for k, v in self.label_distribution(label).items() if k != "(missing)"}
        rows = sum(counts.values())
        if len(counts) <= max(2, rows // CLASS_MIN_ROWS):
            return None
        rare = sum(1 for c in counts.values() if c < CLASS_MIN_ROWS)
        numeric = self._column(label).numeric is not None
        problem = (_("{label!r} has {classes:,} different values in {rows:,} rows ({rare:,} "
                     "with fewer than {min_rows} rows): as classes, too few examples of each "
                     "to learn.").format(label=label, classes=len(counts), rows=rows,
                                         rare=rare, min_rows=CLASS_MIN_ROWS))
        choose = (_("Choose: group the classes with fewer than {min_rows} rows into {other!r} "
                    "('group'), predict it as a number ('regression') or keep every class "
                    "('keep').") if numeric else
                  _("Choose: group the classes with fewer than {min_rows} rows into {other!r} "
                    "('group') or keep every class ('keep')."))
        return problem, choose.format(min_rows=CLASS_MIN_ROWS, other=OTHER_CLASS)

    def prepare(self, label: str, features: list[str] | None = None, *, task: str = "auto",
                standardize: bool = True, validation_split: float = 0.2, seed: int = 0,
                missing: str = "error", text_features: str = "error",
                keep_id_columns: bool = False, rare_classes: str = "keep") -> Prepared:
        """Split into float32 train/validation arrays; see the module docstring.

        ``rare_classes`` for a classification label with too many classes for the rows
        (:meth:`class_warning`): "keep", "group" (classes with fewer than
        ``CLASS_MIN_ROWS`` rows become ``OTHER_CLASS``), "regression" (a numeric label
        is predicted as a number) or "ask" (raise the warning as a CsvError with those
        choices).
        """
        label_col = self._column(label)
        self.check_label(label)
        task = self.detect_task(label) if task == "auto" else task
        if task not in ("classification", "regression"):
            raise ValueError(_("task must be 'auto', 'classification' or 'regression'"))
        if rare_classes not in ("keep", "group", "regression", "ask"):
            raise ValueError(_("rare_classes must be 'keep', 'group', 'regression' or 'ask'"))
        if task == "classification" and rare_classes != "keep":
            warning = self.class_warning(label)
            if warning and rare_classes == "ask":
                raise CsvError(warning, problem="too-many-classes", column=label,
                               choices=("group", "regression", "keep")
                               if label_col.numeric is not None else ("group", "keep"))
            if warning and rare_classes == "regression":
                if label_col.numeric is None:
                    raise CsvError(_("{label!r} holds text: it cannot be predicted as a number. "
                                   "Group its rare classes instead.")
                                       .format(label=label), problem="text-label",
                                   column=label)
                task = "regression"
        notes: list[str] = []
        if task == "classification" and rare_classes == "keep":
            parts = self._class_warning(label)
            if parts:  # kept on purpose, or scripted: still say why accuracy may be low
                notes.append(parts[0])
        empty = [n for n in (features or self.columns) if n != label and self.columns.get(
            n) is not None and self.columns[n].empty]
        if empty:
            notes.append(_("left out {columns}: empty in every row")
                         .format(columns=", ".join(repr(n) for n in empty)))
        if features is None:
            features = [n for n in self.columns if n != label and n not in empty]
            ids = [n for n in features if self.id_like(n)]
            if ids and not keep_id_columns:
                features = [n for n in features if n not in ids]
                notes.append(
                    _("left out {columns}: a different value in every row, like an ID, would "
                      "only let the model memorise rows (keep_id_columns=True keeps them)")
                    .format(columns=", ".join(repr(n) for n in ids)))
        for name in features:
            self._column(name)
        features = [n for n in features if n not in empty]
        if label in features:
            raise CsvError(_("{label!r} is the label; it cannot also be a feature.")
                           .format(label=label),
                           problem="label-is-feature", column=label)
        if not features:
            raise CsvError(_("{name}: no feature columns are left besides the label "
                           "{label!r}{note}.")
                               .format(name=self.name, label=label,
                                       note=" (" + notes[0] + ")" if notes else ""),
                           problem="no-features")

        # rows to keep: the label must be present; features per the missing-value choice
        keep = np.array([not _is_missing(v) for v in label_col.values])
        dropped_label = int((~keep).sum())
        if dropped_label:
            notes.append(ngettext("dropped {n} row with no {label!r} value",
                                  "dropped {n} rows with no {label!r} value", dropped_label)
                         .format(n=dropped_label, label=label))
        missing_counts = {n: self.columns[n].missing for n in features if self.columns[n].missing}
        if missing_counts:
            summary = ", ".join(f"{n!r}: {c}" for n, c in missing_counts.items())
            if missing == "error":
                raise CsvError(
                    _("{name} has missing values ({summary}). Choose what to do: drop the "
                    "rows that have any ('drop'), or fill them in with the column's mean or "
                    "most common value ('fill').")
                        .format(name=self.name, summary=summary), problem="missing",
                                choices=("drop", "fill"))
            if missing == "drop":
                for column in missing_counts:
                    keep &= np.array([not _is_missing(v) for v in self.columns[column].values])
                notes.append(_("dropped rows with missing values ({summary})")
                             .format(summary=summary))
            elif missing == "fill":
                notes.append(_("filled missing values with the column mean or mode ({summary})")
                             .format(summary=summary))
            else:
                raise ValueError(_("missing must be 'error', 'drop' or 'fill'"))

        blocks, feature_spec = [], []
        for name in features:
            col = self.columns[name]
            if col.numeric is not None:
                values = col.numeric.copy()
                present = values[keep & ~np.isnan(values)]
                fill = float(present.mean()) if len(present) else 0.0
                if missing == "fill" and np.isnan(values).any():
                    values[np.isnan(values)] = fill
                blocks.append(values[:, None])
                # new rows missing this value get the training mean (transform)
                feature_spec.append({"column": name, "kind": "number", "fill": fill})
                continue
            if text_features == "error":
                where = (_(" (line {line})").format(line=col.first_text_line)
                         if col.first_text_line else "")
                first = next(v for v in col.values if not _is_missing(v) and not _is_number(v))
                raise CsvError(
                    _("column {column!r} of {name} holds text, e.g. {first!r}{where}; a model "
                    "needs numbers. Choose: one-hot encode it (one 0/1 column per value: "
                    "'onehot') or leave the column out ('drop').")
                        .format(column=name, name=self.name, first=first, where=where),
                    problem="text-feature", column=name, line=col.first_text_line,
                    choices=("onehot", "drop"))
            if text_features == "drop":
                notes.append(_("left out the text column {name!r}").format(name=name))
                continue
            if text_features != "onehot":
                raise ValueError(_("text_features must be 'error', 'onehot' or 'drop'"))
            cleaned = [v.strip() for v in col.values]
            present = [v for v, k in zip(cleaned, keep, strict=False) if k and not _is_missing(v)]
            categories = sorted(set(present))
            if missing == "fill" and categories:
                mode = max(categories, key=present.count)
                cleaned = [mode if _is_missing(v) else v for v in cleaned]
            onehot = np.array([[float(v == c) for c in categories] for v in cleaned])
            blocks.append(onehot)
            feature_spec.append({"column": name, "kind": "onehot", "categories": categories})
            notes.append(ngettext("one-hot encoded {name!r} into {n} column",
                                  "one-hot encoded {name!r} into {n} columns", len(categories))
                         .format(name=name, n=len(categories)))

        if not blocks:
            raise CsvError(_("{name}: no usable feature columns are left.").format(name=self.name),
                           problem="no-features")
        x_all = np.hstack(blocks)[keep].astype(np.float64)  # statistics in float64
        labels = [v.strip() for v, k in zip(label_col.values, keep, strict=False) if k]

        if task == "classification" and rare_classes == "group":
            counts: dict[str, int] = {}
            for v in labels:
                counts[v] = counts.get(v, 0) + 1
            rare = {v for v, c in counts.items() if c < CLASS_MIN_ROWS}
            if rare:
                labels = [OTHER_CLASS if v in rare else v for v in labels]
                notes.append(ngettext("grouped {n:,} class with fewer than {min_rows} rows "
                                      "into {other!r}", "grouped {n:,} classes with fewer "
                                      "than {min_rows} rows into {other!r}", len(rare))
                             .format(n=len(rare), min_rows=CLASS_MIN_ROWS, other=OTHER_CLASS))
        if task == "classification":
            self.check_label(label, labels)  # rows dropped for missing values may leave one
            class_names = sorted(set(labels), key=_natural_key)
            index = {c: i for i, c in enumerate(class_names)}
            y_index = np.array([index[v] for v in labels])
            y_all = (np.eye(len(class_names), dtype=np.float32)[y_index]
                     if len(class_names) > 2 else y_index.astype(np.float32)[:, None])
        else:
            bad = next((v for v in labels if not _is_number(v)), None)
            if bad is not None:
                raise CsvError(_("regression needs a numeric label, but {label!r} holds "
                               "{bad!r}. Use task='classification' or another label.")
                                   .format(label=label, bad=bad),
                               problem="text-label", column=label)
            class_names = []
            y_all = np.array([float(v) for v in labels], dtype=np.float64)[:, None]

        n = len(x_all)
        order = np.random.default_rng(seed).permutation(n)
        n_val = int(round(n * validation_split))
        if validation_split and (n_val < 1 or n - n_val < 1):
            raise CsvError(_("{name} has {n} usable rows: too few to split off "
                           "{validation_split:.0%} for validation.")
                               .format(name=self.name, n=n, validation_split=validation_split),
                                       problem="too-few-rows")
        val_idx, train_idx = order[:n_val], order[n_val:]
        x_train, x_val = x_all[train_idx], x_all[val_idx]
        y_mean, y_scale = 0.0, 1.0
        if task == "regression" and standardize:  # targets in a range the optimizer likes
            y_mean = float(y_all[train_idx].mean())
            y_scale = float(y_all[train_idx].std()) or 1.0
        y_all = ((y_all - y_mean) / y_scale).astype(np.float32)
        mean = x_train.mean(axis=0) if standardize else np.zeros(x_all.shape[1])
        scale = x_train.std(axis=0) if standardize else np.ones(x_all.shape[1])
        scale = np.where(scale > 0, scale, 1.0)
        return Prepared(
            x_train=((x_train - mean) / scale).astype(np.float32), y_train=y_all[train_idx],
            x_val=((x_val - mean) / scale).astype(np.float32), y_val=y_all[val_idx],
            task=task, label=label, class_names=class_names, features=feature_spec,
            mean=mean.astype(np.float32), scale=scale.astype(np.float32), notes=notes,
            label_mean=y_mean, label_scale=y_scale,
        )


def _natural_key(text: str) -> tuple[Any, ...]:
    return (0, float(text), "") if _is_number(text) else (1, 0.0, text)


@dataclass
class Prepared:
    """Train/validation arrays plus everything needed to prepare new rows the same way."""

    x_train: NDArray[Any]
    y_train: NDArray[Any]
    x_val: NDArray[Any]
    y_val: NDArray[Any]
    task: str
    label: str
    class_names: list[str]
    features: list[dict[str, Any]]
    mean: NDArray[Any]
    scale: NDArray[Any]
    notes: list[str]
    label_mean: float = 0.0  # regression targets are standardized for training
    label_scale: float = 1.0

    @property
    def feature_names(self) -> list[str]:
        names = []
        for spec in self.features:
            if spec["kind"] == "number":
                names.append(spec["column"])
            else:
                names += [f"{spec['column']}={c}" for c in spec["categories"]]
        return names

    @property
    def binary(self) -> bool:
        return self.task == "classification" and len(self.class_names) == 2

    def transform(self, rows: list[dict[str, Any]]) -> NDArray[Any]:
        """Prepare new rows (dicts of column -> value) exactly as the training data."""
        out = []
        for row in rows:
            values: list[float] = []
            for spec in self.features:
                raw = row.get(spec["column"])
                if spec["kind"] == "number":
                    if raw is None or _is_missing(str(raw)):  # as in training: the mean
                        values.append(float(spec.get("fill", 0.0)))
                        continue
                    try:
                        values.append(float(raw))
                    except (TypeError, ValueError):
                        raise CsvError(_("column {column!r} needs a number, not {text!r}.")
                                       .format(column=spec["column"], text=str(raw)[:40]),
                                       problem="text-feature",
                                       column=spec["column"]) from None
                else:
                    values += [float(str(raw).strip() == c) for c in spec["categories"]]
            out.append(values)
        x = np.array(out, dtype=np.float32).reshape(len(rows), len(self.mean))
        scaled: NDArray[Any] = ((x - self.mean) / self.scale).astype(np.float32)
        return scaled

    def batches(self, batch_size: int = 32, *, shuffle: bool = True, seed: int = 0
                ) -> Iterator[tuple[NDArray[Any], NDArray[Any]]]:
        """Training rows as (x, y) float32 batches, in a seeded order when shuffled."""
        order = (np.random.default_rng(seed).permutation(len(self.x_train)) if shuffle
                 else np.arange(len(self.x_train)))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            yield self.x_train[rows], self.y_train[rows]

    def tensors(self) -> tuple[Any, Any, Any, Any]:
        """x_train, y_train, x_val, y_val as TF.js tensors (in a lab page; dispose them)."""
        from ..wrap import to_tensor

        x_train, y_train, x_val, y_val = (to_tensor(a) for a in (
            self.x_train, self.y_train, self.x_val, self.y_val))
        return x_train, y_train, x_val, y_val

    def label_values(self, outputs: NDArray[Any]) -> NDArray[Any]:
        """Regression outputs (or ``y`` arrays) back in the label's own units."""
        return np.asarray(outputs, np.float64).reshape(-1) * self.label_scale + self.label_mean

    def class_indices(self, outputs: NDArray[Any]) -> NDArray[Any]:
        """Predicted (or true, for one-hot ``y``) class index per row."""
        outputs = np.asarray(outputs)
        if self.binary:
            return (outputs.reshape(-1) >= 0.5).astype(int)
        classes: NDArray[Any] = outputs.argmax(axis=1)
        return classes

    def decode(self, outputs: NDArray[Any]) -> list[str]:
        """Class names for model outputs (probabilities), or numbers for regression."""
        outputs = np.asarray(outputs)
        if self.task == "regression":
            return [f"{v:.6g}" for v in self.label_values(outputs)]
        return [self.class_names[i] for i in self.class_indices(outputs)]

    def preprocessing(self) -> dict[str, Any]:
        """JSON-ready description to export beside a model (feature order, means, scales)."""
        return {
            "format": "pytfjs-csv-preprocessing", "version": 1, "task": self.task,
            "label": self.label, "class_names": self.class_names, "features": self.features,
            "feature_names": self.feature_names, "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "label_mean": self.label_mean, "label_scale": self.label_scale,
            "output": ("sigmoid probability of class_names[1]" if self.binary else
                       "softmax over class_names" if self.task == "classification" else
                       "value * label_scale + label_mean"),
        }


def _ragged(name: str, line: int, fields: int, width: int) -> None:
    raise CsvError(
        _("line {line} of {name} has {fields} fields but the header has {width}. Fix that "
        "line (a missing or extra separator, or an unquoted separator inside a value) and "
        "try again.")
            .format(line=line, name=name, fields=fields, width=width), problem="ragged",
                    line=line)


def _check_lines(text: str, name: str) -> None:
    """Refuse a line longer than the limit before the csv module sees it."""
    start = 0
    for number, match in enumerate(re.finditer(r"\r\n|\n|\r", text + "\n"), start=1):
        if match.start() - start > limits.CSV_MAX_LINE_CHARS:
            raise CsvError(
                _("line {number} of {name} has {length:,} characters; lines up "
                "to {CSV_MAX_LINE_CHARS:,} characters are read. A CSV file has one "
                "row per line: this may not be a CSV file, or its line breaks were lost. Save "
                "it again from your spreadsheet as 'CSV UTF-8'.")
                    .format(number=number, name=name, length=match.start() - start,
                            CSV_MAX_LINE_CHARS=limits.CSV_MAX_LINE_CHARS), problem="long-line",
                line=number)
        start = match.end()


def _parse(text: str, delim: str, name: str = "data.csv"
           ) -> tuple[list[list[str]], list[int]]:
    """Non-blank rows of fields, and the file line on which each row starts.

    The csv module's field limit is set to ours for the call; its errors become CsvErrors
    naming the line.
    """
    previous = _csv.field_size_limit(limits.CSV_MAX_FIELD_CHARS)
    reader = _csv.reader(io.StringIO(text), delimiter=delim)
    rows, lines, start, cells = [], [], 1, 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > limits.CSV_MAX_COLUMNS:
                    raise CsvError(
                        _("line {start} of {name} has {n:,} fields; up to "
                        "{CSV_MAX_COLUMNS:,} columns are read. Keep the columns you "
                        "need (in a spreadsheet) and save again.")
                            .format(start=start, name=name, n=len(row),
                                    CSV_MAX_COLUMNS=limits.CSV_MAX_COLUMNS), problem="too-wide",
                        line=start)
                cells += len(row)
                if cells > limits.CSV_MAX_CELLS:
                    raise CsvError(
                        _("{name} has more than {CSV_MAX_CELLS:,} values (rows x "
                        "columns; line {start}); this page reads up to that many. Use a "
                        "sample of the rows, or fewer columns.")
                            .format(name=name, CSV_MAX_CELLS=limits.CSV_MAX_CELLS, start=start),
                                    problem="too-big", line=start)
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except _csv.Error as exc:
        line = reader.line_num or start
        if "field larger than field limit" in str(exc):
            raise CsvError(
                _("{name} has a value of more than {CSV_MAX_FIELD_CHARS:,} characters "
                "(from line {start}); values up to that length are read. Often a quote "
                "(\") that is never closed makes the rest of the file one value: check the "
                "quotes on that line.")
                    .format(name=name, CSV_MAX_FIELD_CHARS=limits.CSV_MAX_FIELD_CHARS,
                            start=start), problem="long-field", line=start) from None
        raise CsvError(
            _("line {line} of {name} could not be read as CSV: a quote (\") or a line break is "
            "in an unexpected place. Check the quotes on that line (a value with a "
            "separator or a quote inside must be quoted, and its quotes doubled).")
                .format(line=line, name=name),
            problem="parse", line=line) from None
    finally:
        _csv.field_size_limit(previous)
    return rows, lines


def read(data: bytes | str, name: str = "data.csv", *, encoding: str | None = None,
         delimiter: str | None = None, header: bool | None = None) -> CsvTable:
    """Parse CSV ``data``; ``encoding``, ``delimiter`` and ``header`` are detected if None."""
    size = len(data)
    check_size(size, name)
    text = decode(data, name, encoding) if isinstance(data, bytes) else data
    if not text.strip():
        raise CsvError(_("{name} is empty: there is nothing to read. Choose a CSV file with a "
                       "header row and data rows.").format(name=name), problem="empty")
    _check_lines(text, name)
    if "\x00" in text:
        raise _not_text(name)
    delim = delimiter or sniff_delimiter(text)
    rows, lines = _parse(text, delim, name)
    if not rows:
        raise CsvError(_("{name} holds only blank values: there is nothing to read. Choose a "
                       "CSV file with a header row and data rows.")
                           .format(name=name), problem="empty")
    first = rows[0]
    notes = []
    if delim != ",":
        notes.append(_("fields are separated by {delimiter}")
                     .format(delimiter=_delimiter_name(delim)))
    if header is None:
        header = not all(_is_number(c) for c in first)
        if not header:
            notes.append(_("the first line holds numbers, not column names: it is read as "
                           "data and the columns are called column_1, column_2, ..."))
    if header:
        names = [c.strip() or f"column_{i + 1}" for i, c in enumerate(first)]
        data_rows, data_lines = rows[1:], lines[1:]
    else:
        names = [f"column_{i + 1}" for i in range(len(first))]
        data_rows, data_lines = rows, lines
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise CsvError(_("{name} has more than one column called {items}."
                       " Rename them so every column has its own name.")
                           .format(name=name, items=', '.join(map(repr, dupes))),
                                   problem="duplicate")
    if not data_rows:
        raise CsvError(_("{name} has a header row ({items}) but no data rows.")
                       .format(name=name, items=', '.join(names[:6])),
                       problem="header-only")
    width = len(names)
    for row, line in zip(data_rows, data_lines, strict=False):
        if len(row) != width:
            _ragged(name, line, len(row), width)
    columns = {}
    comma_columns = []
    for j, col_name in enumerate(names):
        values = [r[j] for r in data_rows]
        missing = sum(_is_missing(v) for v in values)
        present = [v for v in values if not _is_missing(v)]
        if delim != "," and present and all(_DECIMAL_COMMA.match(v.strip()) for v in present):
            values = [v.replace(",", ".") for v in values]  # "1,5" is 1.5 in much of Europe
            comma_columns.append(col_name)
        text_at = next((data_lines[i] for i, v in enumerate(values)
                        if not _is_missing(v) and not _is_number(v)), None)
        numeric = None
        if text_at is None:
            numeric = np.array([math.nan if _is_missing(v) else float(v) for v in values])
        columns[col_name] = Column(col_name, values, numeric, text_at, missing)
    if comma_columns:
        notes.append(_("decimal commas read as decimal points in {columns}")
                     .format(columns=", ".join(repr(c) for c in comma_columns)))
    empty = [c.name for c in columns.values() if c.missing == len(c.values)]
    if empty:
        notes.append(ngettext("{columns} is empty in every row: left out of the features",
                              "{columns} are empty in every row: left out of the features",
                              len(empty)).format(columns=", ".join(repr(c) for c in empty)))
    return CsvTable(name=name, columns=columns, rows=len(data_rows), delimiter=delim,
                    encoding=encoding or "utf-8", has_header=bool(header), notes=notes,
                    first_data_line=data_lines[0])
