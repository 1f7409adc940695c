"""What every page shares: the home page, the health check, the error pages."""
