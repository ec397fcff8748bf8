"""The FastAPI app, its routers and the worker processes."""
