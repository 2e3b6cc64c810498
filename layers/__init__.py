"""Layer registry and the GeoJSON / MVT / OGC API documents built in SQL."""
