"""Shared settings for the engine's property tests.

One hypothesis profile keeps the whole engine suite within its time budget on a 2-core
machine; ``RISKDESK_HYPOTHESIS_EXAMPLES`` raises it for a longer soak.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "riskdesk-engine",
    max_examples=int(os.environ.get("RISKDESK_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("RISKDESK_HYPOTHESIS_RANDOM") != "1",
)
ENGINE_PROFILE = settings.get_profile("riskdesk-engine")
