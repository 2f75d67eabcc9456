"""Every route of the board, one module per part of it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from engine.web.routes import board, links, nodes, problems, projects, session


async def health(request: Request) -> Response:
    """For a reverse proxy's or systemd's check: the process answers."""
    return PlainTextResponse("ok")


ROUTES = [*session.ROUTES, *board.ROUTES, *nodes.ROUTES, *projects.ROUTES, *problems.ROUTES,
          *links.ROUTES,
          Route("/healthz", health, methods=["GET"])]
