"""The HTTP entrypoint: thin FastAPI routes over the application's handlers."""
