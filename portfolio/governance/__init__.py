"""Governance: governance instances and investment committees, their reviews, dossiers and decisions."""
