"""The web app and HTTP API (``critmin serve``): FastAPI on the request layer, so the
pages, the API and the CLI answer from the same request and response models."""
