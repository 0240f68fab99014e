"""Pure, vectorised indicator functions over whole tables (all commodities × years)."""
