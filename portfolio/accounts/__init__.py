"""Accounts, roles with their scope, and the one answer to "may this user do this?"."""
