"""Run the live lesson comparison before every other test of the session.

torch gives some warnings once per process (TORCH_WARN_ONCE: ``x.T`` on a vector, ``float(x)`` of a
tensor that requires grad) and nothing can reset that. The corpus lets one lesson trigger each, but
an engine test run earlier in the same process (``pytest tests/engine tests/lessons``) would
silence torch for that lesson while gradrepl, reset per lesson, still warns.
"""


def pytest_collection_modifyitems(session, config, items):
    first = [item for item in items if "test_lessons_differential" in item.nodeid]
    if first:
        rest = [item for item in items if "test_lessons_differential" not in item.nodeid]
        items[:] = first + rest
