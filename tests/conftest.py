import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# hypothesis profiles: `ci` (the default) runs 300 derandomized examples per test, so that CI is
# reproducible; SYMDIFF_HYPOTHESIS_PROFILE=thorough runs 5000 random examples per test.
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, print_blob=True,
                          report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=5000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SYMDIFF_HYPOTHESIS_PROFILE", "ci"))
