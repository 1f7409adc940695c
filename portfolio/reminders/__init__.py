"""Reminders: deadlines derived from the other domains' obligations, notifications sent exactly once."""
