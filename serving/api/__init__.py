"""The HTTP service (FastAPI): ``serving.api.app.create_app``; routers in ``routers/``."""
