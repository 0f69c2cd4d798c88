"""riskdesk — self-hosted customer credit-risk management for B2B sellers."""

__version__ = "0.1.0"
