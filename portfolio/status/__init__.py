"""The derived status of each startup: one row that every page, export, the API and the reminder rules read."""
