"""The wards app's pages, one module per side: home, entry (the ward's), review (the province's), history,
places (a ward's own page)."""
