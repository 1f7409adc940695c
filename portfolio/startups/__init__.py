"""Startups d'État, their incubators and the organisations around them."""
