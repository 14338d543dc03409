"""Word-level differences between two versions of a comment, as a moderator reads an edit.

The texts are cut into words, runs of whitespace and single punctuation marks; the common
head and tail are taken as equal, and stdlib ``difflib.SequenceMatcher`` aligns what is left.
Its junk heuristic stays on: without it two unrelated 10,000-character texts took 86 s to align
(every space matches every space), with it milliseconds; it only makes a long rewrite's
alignment coarser, never wrong. Every character of both texts lands in
exactly one op, so joining the ``equal`` and ``delete`` texts gives the old text back and the
``equal`` and ``insert`` texts the new one (a property test checks both); adjacent ops of one
kind are merged, so a replaced phrase is one delete and one insert, not one per token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

DiffKind = Literal["equal", "insert", "delete"]

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class DiffOp:
    op: DiffKind
    text: str


def tokens(text: str) -> list[str]:
    """Words, whitespace runs and punctuation marks, which together are the whole text."""
    return _TOKENS.findall(text)


def word_diff(previous: str | None, new: str | None) -> list[DiffOp]:
    """The ops turning ``previous`` into ``new``; none when either side is gone (erased)."""
    if previous is None or new is None:
        return []
    before, after = tokens(previous), tokens(new)
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    old_middle, new_middle = before[head : len(before) - tail], after[head : len(after) - tail]
    ops: list[DiffOp] = []
    _add(ops, "equal", "".join(before[:head]))
    deleted, inserted = "", ""  # the change in progress, written out at the next equal text
    opcodes = SequenceMatcher(None, old_middle, new_middle).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        same = "".join(old_middle[i1:i2])
        inner = 0 < index < len(opcodes) - 1
        if tag == "equal" and not (inner and same.isspace()):
            _add(ops, "delete", deleted)
            _add(ops, "insert", inserted)
            deleted, inserted = "", ""
            _add(ops, "equal", same)
            continue
        # A lone space between two changed words belongs to the change: "this part" → "that
        # thing" reads as one replacement, not two with an unchanged space between them.
        deleted += same
        inserted += "".join(new_middle[j1:j2])
    _add(ops, "delete", deleted)
    _add(ops, "insert", inserted)
    _add(ops, "equal", "".join(before[len(before) - tail :]))
    return ops


def _add(ops: list[DiffOp], kind: DiffKind, text: str) -> None:
    if not text:
        return
    if ops and ops[-1].op == kind:
        ops[-1] = DiffOp(kind, ops[-1].text + text)
        return
    ops.append(DiffOp(kind, text))
