"""The route editor benchmark (issue #13): save a version, diff, publish -> trip."""
