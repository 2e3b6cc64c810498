"""``/docs`` from our own files: Swagger UI from the pinned npm package ``swagger-ui-dist``
(web/node_modules, installed by ``make web``) and a start-up script of ours, so the page works
offline and runs no inline script."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("tpo.api")

DOCS_PATH = "/docs"
REDIRECT_PATH = "/docs/oauth2-redirect"
VENDOR_PATH = "/vendor/swagger-ui"
PACKAGE = "swagger-ui-dist"
INIT_JS = Path(__file__).parent / "docs_assets" / "swagger-init.js"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" type="image/png" href="{vendor}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}" data-redirect="{redirect}"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{docs}/init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, web_dir: Path) -> None:
    """Serve ``/docs`` (Swagger UI) from ``web/node_modules/swagger-ui-dist``.

    Create the app with ``docs_url=None``; without the package (``make web`` not run) the
    page says how to get it instead of loading a CDN.
    """
    folder = web_dir / "node_modules" / PACKAGE
    if folder.is_dir():
        app.mount(VENDOR_PATH, StaticFiles(directory=folder), name="vendor-swagger-ui")
    else:
        log.warning("web/node_modules/%s missing: run 'make web' (npm ci in web/)", PACKAGE)
    page = _PAGE.format(
        title=html.escape(app.title),
        vendor=VENDOR_PATH,
        docs=DOCS_PATH,
        openapi=html.escape(app.openapi_url or "/openapi.json"),
        redirect=REDIRECT_PATH,
    )

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs_page() -> HTMLResponse:
        if not folder.is_dir():
            return HTMLResponse(
                "<!DOCTYPE html><title>API</title><p>Swagger UI is not installed: run"
                " <code>make web</code>. The API description is at /openapi.json.</p>",
                status_code=503,
            )
        return HTMLResponse(page)

    @app.get(f"{DOCS_PATH}/init.js", include_in_schema=False)
    def docs_init() -> FileResponse:
        return FileResponse(INIT_JS, media_type="text/javascript")

    @app.get(REDIRECT_PATH, include_in_schema=False)
    def docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
