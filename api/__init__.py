"""The two doors to the outside: the HTTP app (FastAPI) and the ``tpo`` command line."""
