"""Demo-city generator and importers: plain functions that take a Session."""
