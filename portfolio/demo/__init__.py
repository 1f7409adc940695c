"""Demo data: the seed convention's world, loaded by `flask demo load`."""
