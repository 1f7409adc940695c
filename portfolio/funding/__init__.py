"""Funding: conventions, their parties and annex lines, amendments and consumption reports."""
