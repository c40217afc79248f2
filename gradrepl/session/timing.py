"""``%time`` and ``%timeit``, printing what IPython prints (``CPU times: ...``, ``Wall time: ...``).

Timings differ on every run, so replay normalises these lines; ``quick`` mode (used by replay) runs a
``%timeit`` statement once instead of for ~2 seconds, keeping the line's format.
"""

from __future__ import annotations

import ast
import gc
import math
import sys
import time
import timeit as _timeit


def format_time(timespan: float, precision: int = 3) -> str:
    """IPython's ``_format_time``: ``5.96 µs``, ``1.2 s``, ``1min 3s``."""
    if timespan >= 60.0:
        parts = [("d", 86400), ("h", 3600), ("min", 60), ("s", 1)]
        pieces, leftover = [], timespan
        for suffix, length in parts:
            value = int(leftover / length)
            if value > 0:
                leftover = leftover % length
                pieces.append(f"{value}{suffix}")
            if leftover < 1:
                break
        return " ".join(pieces)
    units = ["s", "ms", "us", "ns"]
    if _can_encode("\xb5"):
        units[2] = "\xb5s"
    order = min(-int(math.floor(math.log10(timespan)) // 3), 3) if timespan > 0.0 else 3
    return "%.*g %s" % (precision, timespan * [1, 1e3, 1e6, 1e9][order], units[order])


def _can_encode(char: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return False
    try:
        char.encode(encoding)
        return True
    except (UnicodeError, LookupError):
        return False


def time_statement(code: str, namespace: dict, filename: str):
    """Run ``code`` once, print IPython's two timing lines, return the value of an expression."""
    tree = ast.parse(code)
    value_node = None
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        tree, value_node = None, ast.Expression(tree.body[0].value)
    elif len(tree.body) > 1 and isinstance(tree.body[-1], ast.Expr):
        value_node = ast.Expression(tree.body.pop().value)
    wall_start = time.time()
    user_start, sys_start = _cpu_times()
    if tree is not None:
        exec(compile(tree, filename, "exec"), namespace)
    value = eval(compile(value_node, filename, "eval"), namespace) if value_node is not None else None
    user_end, sys_end = _cpu_times()
    wall = time.time() - wall_start
    user, system = user_end - user_start, sys_end - sys_start
    print(f"CPU times: user {format_time(user)}, sys: {format_time(system)}, total: {format_time(user + system)}")
    print(f"Wall time: {format_time(wall)}")
    return value


def _cpu_times() -> tuple[float, float]:
    """User and system CPU seconds of this process (IPython's clock2)."""
    try:
        import resource
    except ImportError:  # Windows: no system time, as in IPython
        return time.process_time(), 0.0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _parse_timeit_options(line: str) -> tuple[dict, str]:
    options = {"n": 0, "r": 7, "q": False, "o": False, "p": 3}
    words = line.split(" ")
    while words and words[0].startswith("-") and len(words[0]) >= 2 and words[0][1] in "nrqop":
        flag = words.pop(0)
        key, rest = flag[1], flag[2:]
        if key in "qo":
            options[key] = True
            continue
        if not rest:
            rest = words.pop(0) if words else "0"
        options[key] = int(rest)
    return options, " ".join(words)


def timeit_statement(line: str, namespace: dict, quick: bool = False, cell_body: str | None = None):
    """IPython's ``%timeit``: pick a loop count giving >= 0.2 s, repeat 7 times, print mean ± std."""
    options, setup_or_stmt = _parse_timeit_options(line)
    setup, statement = ("pass", setup_or_stmt) if cell_body is None else (setup_or_stmt or "pass", cell_body)
    exec(compile(setup, "<timeit-setup>", "exec"), namespace)
    code = compile(statement, "<magic-timeit>", "exec")

    def run(number: int) -> float:
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = _timeit.default_timer()
            for _ in range(number):
                exec(code, namespace)
            return _timeit.default_timer() - start
        finally:
            if gc_was_enabled:
                gc.enable()

    number, repeat = options["n"], options["r"]
    if quick:
        number, repeat = 1, 1
    elif number == 0:
        for index in range(10):
            number = 10**index
            if run(number) >= 0.2:
                break
    timings = [run(number) / number for _ in range(repeat)]
    mean = math.fsum(timings) / len(timings)
    std = (math.fsum((t - mean) ** 2 for t in timings) / len(timings)) ** 0.5
    if not options["q"]:
        pm = "\xb1" if _can_encode("\xb1") else "+-"
        print(
            f"{format_time(mean, options['p'])} {pm} {format_time(std, options['p'])} per loop "
            f"(mean {pm} std. dev. of {repeat} run{'' if repeat == 1 else 's'}, "
            f"{number:,} loop{'' if number == 1 else 's'} each)"
        )
    return None
