"""kamadvisor: a rule-based advisory engine for key account management."""

__version__ = "0.1.0"
