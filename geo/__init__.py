"""Spatial core of Tree Point O: settings, database, models, CRS and geometry helpers."""
