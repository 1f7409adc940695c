"""Finding things: one search across startups, meetings and conventions, each kind limited to what
the signed-in person may read, from the header of every page."""
