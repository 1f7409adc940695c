"""The JSON API: read-only views of the portfolio for other tools, under the same permissions."""
