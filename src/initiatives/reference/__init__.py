"""Reference data: countries, currencies and country groups, from maintained packages and versioned files."""
