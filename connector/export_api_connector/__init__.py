"""A reference Export API integration: books export jobs into a Beancount ledger."""

__version__ = "0.1.0"
