"""The web edge: the FastAPI app, its problem+json errors, API routers and pages."""
