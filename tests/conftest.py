"""Settings shared by every test directory."""

from hypothesis import settings

# Hypothesis fails an example that takes longer than its deadline (200 ms by default): a timing
# check, and on a loaded 2-core machine a first call that imports or builds a plan went past it
# (test_fma64_is_correctly_rounded, 296 ms once under a load of 25). Speed is measured in
# benchmarks/, never by a test, so no property test has a deadline.
settings.register_profile("gradrepl", deadline=None)
settings.load_profile("gradrepl")
