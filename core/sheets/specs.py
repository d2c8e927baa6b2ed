"""What a sheet holds: its name (English and Chinese), its key column and its columns."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    name: str
    zh: str
    key: str  # the natural key column
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)
