"""The permit pre-check benchmark (issue 15): HTTP beside the SQL floor."""
