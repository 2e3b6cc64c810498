"""Exporters: a city's data in the formats other tools read (GTFS)."""

from data.exporters.gtfs import GtfsReport, export_gtfs, export_gtfs_file, jakarta_today

__all__ = ["GtfsReport", "export_gtfs", "export_gtfs_file", "jakarta_today"]
