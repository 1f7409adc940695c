"""The public record: the published conventions, readable and downloadable without an account."""
