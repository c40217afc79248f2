"""The layout engine of IPython's pretty printer: text, breakables and groups.

Output is buffered after the first breakable; whenever the buffered line would pass ``max_width``,
the outermost group that still has breakables is broken, all of its breakables becoming newlines at
their recorded indentation. This is ``IPython.lib.pretty.PrettyPrinter``'s algorithm (a variant of
Wadler's), kept rule for rule, quirks included, because Jupyter's line breaks come from it.
"""

from __future__ import annotations

from collections import deque
from contextlib import contextmanager

MAX_WIDTH = 79
MAX_SEQ_LENGTH = 1000


class _Text:
    def __init__(self):
        self.parts: list[str] = []
        self.width = 0

    def output(self, stream, column: int) -> int:
        for part in self.parts:
            stream.write(part)
        return column + self.width

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.width += len(text)


class _Breakable:
    def __init__(self, sep: str, layout: "Layout"):
        self.sep = sep
        self.width = len(sep)
        self.layout = layout
        self.indentation = layout.indentation
        self.group = layout.group_stack[-1]
        self.group.breakables.append(self)

    def output(self, stream, column: int) -> int:
        self.group.breakables.popleft()
        if self.group.want_break:
            stream.write("\n" + " " * self.indentation)
            return self.indentation
        if not self.group.breakables:
            self.layout.group_queue.remove(self.group)
        stream.write(self.sep)
        return column + self.width


class _Group:
    def __init__(self, depth: int):
        self.depth = depth
        self.breakables: deque = deque()
        self.want_break = False


class _GroupQueue:
    """Groups by depth, so the outermost group with pending breakables is broken first."""

    def __init__(self, root: _Group):
        self.queue: list[list[_Group]] = []
        self.enqueue(root)

    def enqueue(self, group: _Group) -> None:
        while group.depth > len(self.queue) - 1:
            self.queue.append([])
        self.queue[group.depth].append(group)

    def dequeue(self):
        for stack in self.queue:
            # IPython deletes by the index counted from the reversed end; keep that quirk.
            for idx, group in enumerate(reversed(stack)):
                if group.breakables:
                    del stack[idx]
                    group.want_break = True
                    return group
            for group in stack:
                group.want_break = True
            del stack[:]
        return None

    def remove(self, group: _Group) -> None:
        try:
            self.queue[group.depth].remove(group)
        except ValueError:
            pass


class Layout:
    def __init__(self, stream, max_width: int = MAX_WIDTH):
        self.stream = stream
        self.max_width = max_width
        self.max_seq_length = MAX_SEQ_LENGTH
        self.column = 0
        self.buffer_width = 0
        self.buffer: deque = deque()
        root = _Group(0)
        self.group_stack = [root]
        self.group_queue = _GroupQueue(root)
        self.indentation = 0

    def _break_one_group(self, group: _Group) -> None:
        while group.breakables:
            item = self.buffer.popleft()
            self.column = item.output(self.stream, self.column)
            self.buffer_width -= item.width
        while self.buffer and isinstance(self.buffer[0], _Text):
            item = self.buffer.popleft()
            self.column = item.output(self.stream, self.column)
            self.buffer_width -= item.width

    def _break_outer_groups(self) -> None:
        while self.max_width < self.column + self.buffer_width:
            group = self.group_queue.dequeue()
            if not group:
                return
            self._break_one_group(group)

    def text(self, text: str) -> None:
        if self.buffer:
            last = self.buffer[-1]
            if not isinstance(last, _Text):
                last = _Text()
                self.buffer.append(last)
            last.add(text)
            self.buffer_width += len(text)
            self._break_outer_groups()
        else:
            self.stream.write(text)
            self.column += len(text)

    def breakable(self, sep: str = " ") -> None:
        if self.group_stack[-1].want_break:
            self.flush()
            self._newline()
        else:
            self.buffer.append(_Breakable(sep, self))
            self.buffer_width += len(sep)
            self._break_outer_groups()

    def break_(self) -> None:
        group = self.group_queue.dequeue()
        if group:
            self._break_one_group(group)
        self.flush()
        self._newline()

    def _newline(self) -> None:
        self.stream.write("\n" + " " * self.indentation)
        self.column = self.indentation
        self.buffer_width = 0

    def begin_group(self, indent: int = 0, open: str = "") -> None:
        if open:
            self.text(open)
        group = _Group(self.group_stack[-1].depth + 1)
        self.group_stack.append(group)
        self.group_queue.enqueue(group)
        self.indentation += indent

    def end_group(self, dedent: int = 0, close: str = "") -> None:
        self.indentation -= dedent
        group = self.group_stack.pop()
        if not group.breakables:
            self.group_queue.remove(group)
        if close:
            self.text(close)

    @contextmanager
    def group(self, indent: int = 0, open: str = "", close: str = ""):
        self.begin_group(indent, open)
        try:
            yield
        finally:
            self.end_group(indent, close)

    @contextmanager
    def indent(self, indent: int):
        self.indentation += indent
        try:
            yield
        finally:
            self.indentation -= indent

    def enumerate_limited(self, seq):
        for idx, item in enumerate(seq):
            if self.max_seq_length and idx >= self.max_seq_length:
                self.text(",")
                self.breakable()
                self.text("...")
                return
            yield idx, item

    # IPython's public name for enumerate_limited, used by third-party _repr_pretty_ methods.
    _enumerate = enumerate_limited

    def flush(self) -> None:
        for item in self.buffer:
            self.column += item.output(self.stream, self.column)
        self.buffer.clear()
        self.buffer_width = 0
