"""The documents an import has seen, for finding a person listed twice in a file of a million rows.

Each row's document maps to the number of the chunk its first row was in: one integer object shared by the whole
chunk, where a dict of each first row's line held a million integers more. The first row's mark (its line and the
CRC of its name) is kept in the chunk's two arrays of 8-byte integers, searched (in C) only for a repeat.
"""

from array import array

_KEY = (1 << 63) - 1  # a document's key as an array holds it (documents other than resident IDs are digests)


class Seen:
    def __init__(self):
        self.chunk_of: dict[int, int] = {}  # document → number of the chunk of its first row
        self.chunks: list[tuple[array, array]] = []  # per chunk: its first rows' documents and marks
        self.current: dict[int, int] = {}  # the chunk being taken: document → mark
        self.number = 0

    def chunk_start(self) -> None:
        self.number = len(self.chunks)
        self.current = {}

    def chunk_end(self) -> None:
        current = self.current
        self.chunks.append((array("q", [key & _KEY for key in current]), array("Q", current.values())))
        self.current = {}

    def first(self, key: int, mark: int) -> int:
        """The mark of the first row with document `key`; `mark` itself when this row is the first."""
        number = self.chunk_of.setdefault(key, self.number)
        if number == self.number:
            return self.current.setdefault(key, mark)
        keys, marks = self.chunks[number]
        return marks[keys.index(key & _KEY)]

    def clear(self) -> None:
        self.chunk_of.clear()
        self.chunks.clear()
        self.current = {}
