"""uvicorn's HTTP protocol, with its answer to a request it cannot parse in the server's
error shape.

A request that is not HTTP/1.1 (a request line that is not one, a header without a
colon, a header block larger than uvicorn reads, bytes h11 refuses) never reaches the
application: uvicorn's protocol class answers it itself, with `send_400_response` — in
uvicorn as in its h11 implementation a plain-text "Invalid HTTP request received.". This
subclass of the h11 implementation overrides that one method to send the JSON error shape
instead, with the same status and `Connection: close`. uvicorn is told to use it with
`http=JSON_ERRORS_HTTP` (an import string, so that `serve --workers N`'s worker processes
load it too). uvicorn has two implementations, h11 (pure Python, always there) and
httptools (C, taken when installed: under load it parses requests for about half the CPU);
each gets its subclass, and `JSON_ERRORS_HTTP` names the httptools one when httptools can be
imported, as uvicorn's own `http="auto"` would choose.
"""

from __future__ import annotations

import importlib.util
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import error_json

__all__ = ["JSON_ERRORS_H11", "JSON_ERRORS_HTTP", "JSON_ERRORS_HTTPTOOLS", "MALFORMED_MESSAGE",
           "JsonErrorsH11Protocol"]

JSON_ERRORS_H11 = "treatyline.server.http_protocol:JsonErrorsH11Protocol"
JSON_ERRORS_HTTPTOOLS = "treatyline.server.http_protocol_c:JsonErrorsHttpToolsProtocol"
JSON_ERRORS_HTTP = (JSON_ERRORS_HTTPTOOLS if importlib.util.find_spec("httptools") is not None
                    else JSON_ERRORS_H11)
"""The `http=` of uvicorn.Config / uvicorn.run: the httptools subclass when httptools is
installed, else the h11 one."""
MALFORMED_MESSAGE = ("the request is not valid HTTP/1.1 (its request line or a header could "
                     "not be read, or its header block is too large); it was not handled")


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol answering a malformed request in the error shape."""

    def send_400_response(self, msg: str) -> None:
        # msg is uvicorn's fixed "Invalid HTTP request received." (already logged by it)
        body, headers = malformed_answer()
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def malformed_answer() -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The body and headers of the 400 a malformed request gets (both implementations)."""
    body = json.dumps(error_json(400, "malformed_request", MALFORMED_MESSAGE, None)
                      ).encode("ascii")
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode("ascii")),
               (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]
    return body, headers
