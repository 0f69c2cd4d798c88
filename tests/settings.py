"""Settings for the test suite: the product's settings with the testing switch on."""

import os

os.environ.setdefault("RISKDESK_TESTING", "1")
os.environ.setdefault("RISKDESK_TASKS_IMMEDIATE", "1")

from riskdesk.settings import *  # noqa: F403
