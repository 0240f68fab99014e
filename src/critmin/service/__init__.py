"""The request layer: one typed request and one typed response (pydantic) per command.

Every surface (CLI, reports, web pages, HTTP API) parses its input into a request, calls
the command's function here and renders the response, so they cannot disagree. A
response's JSON (:meth:`critmin.service.base.Response.json_text`) is what
``--format json`` prints; :mod:`critmin.service.registry` lists every command with its
request and response models and writes their JSON Schemas (``docs/schemas/``).
"""
