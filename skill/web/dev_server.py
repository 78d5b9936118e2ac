"""`kindwell serve`'s server: Werkzeug's, with the port bound before anything is announced.

Werkzeug's `run_simple` prints its own two-line message and exits when the port is taken, after
`kindwell serve` has already announced the address, and colours its request lines even in a log
file. Here the socket is bound first (a taken port is one sentence), log lines are plain unless
they go to a terminal, and the log level given on the command line applies to Werkzeug too.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from typing import TYPE_CHECKING

from werkzeug.serving import LISTEN_QUEUE, BaseWSGIServer, WSGIRequestHandler, make_server, select_address_family
from werkzeug.urls import uri_to_iri

from ..errors import UserInputError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: The most a TCP port number can be.
MAX_PORT = 65535


def check_port(port: int) -> None:
    """UserInputError unless port is a TCP port number."""
    if not 1 <= port <= MAX_PORT:
        raise UserInputError(f"--port must be a TCP port from 1 to {MAX_PORT} (got {port}); try --port 8000.")


def configure_logging(level: str) -> None:
    """Log at level (debug, info, warning, error), Werkzeug's request lines included."""
    numeric = getattr(logging, level.upper())
    logging.basicConfig(level=numeric, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Werkzeug sets its own logger to INFO unless it already has a level.
    logging.getLogger("werkzeug").setLevel(numeric)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; UserInputError, one sentence with the fix, when that is impossible."""
    check_port(port)
    family = select_address_family(host, port)
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(LISTEN_QUEUE)
    except OSError as err:
        listener.close()
        if err.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use; stop the program using it or pass another --port"
        elif err.errno == errno.EACCES:
            reason = f"port {port} needs administrator rights; pass --port 1024 or above"
        elif isinstance(err, socket.gaierror) or err.errno == errno.EADDRNOTAVAIL:
            reason = "this machine has no such address; pass --host 127.0.0.1, or 0.0.0.0 for every address"
        else:
            reason = f"{err.strerror or err}; check --host and --port"
        raise UserInputError(f"Cannot listen on {host}:{port}: {reason}.") from None
    return listener


class PlainRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, logging request lines without colour codes unless to a terminal."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request: method, path, protocol, status and size."""
        if sys.stderr.isatty():
            super().log_request(code, size)
            return
        try:
            line = f"{self.command} {uri_to_iri(self.path)} {self.request_version}"
        except AttributeError:  # a request line too bad to parse
            line = self.requestline
        line = "".join(char if char.isprintable() else "?" for char in line)
        self.log("info", '"%s" %s %s', line, code, size)


def server_on(listener: socket.socket, host: str, app: WSGIApplication) -> BaseWSGIServer:
    """Werkzeug's threaded WSGI server over an already bound socket."""
    port = listener.getsockname()[1]
    return make_server(host, port, app, threaded=True, request_handler=PlainRequestHandler, fd=listener.fileno())
