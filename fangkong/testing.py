"""Loaded by pytest before Django (`-p fangkong.testing`): the environment the test suite runs in."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ["HTTPS_ONLY"] = "0"  # the test client and the live server speak plain HTTP
os.environ.setdefault("TASKS_RUN_INLINE", "1")  # background tasks run inside the test
# Playwright's sync API runs an event loop in the test thread; the ORM calls beside it are safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The API's throttling stays on but out of the way: the fuzz test alone sends over a thousand requests a minute
# (accounts/tests/test_throttling.py sets its own tight rates).
for _name in ("API_THROTTLE_USER", "API_THROTTLE_DEVICE", "API_THROTTLE_ANON"):
    os.environ.setdefault(_name, "100000/min")

# Property tests are reproducible: the "ci" profile (loaded by the root conftest.py) derandomises hypothesis, so
# every run on every clone tries the same examples, and keeps no example database that would make one clone's
# run differ from another's. HYPOTHESIS_PROFILE=explore searches further and at random, on a developer's machine.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False, max_examples=1000)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
