"""Imports of outside data into Portfolio: the beta.gouv.fr registry (`flask import betagouv`, /admin/import)."""
