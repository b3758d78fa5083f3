"""uvicorn's httptools protocol answering a malformed request in the error shape (see
`http_protocol`, which names this class only when httptools is installed: importing this
module imports httptools)."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .http_protocol import malformed_answer

__all__ = ["JsonErrorsHttpToolsProtocol"]


class JsonErrorsHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol answering a malformed request in the error shape."""

    def send_400_response(self, msg: str) -> None:
        # msg is uvicorn's fixed "Invalid HTTP request received." (already logged by it);
        # httptools has no writer of its own: the answer is written as bytes, as uvicorn's is
        body, headers = malformed_answer()
        head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(b"HTTP/1.1 400 Bad Request\r\n" + head + b"\r\n" + body)
        self.transport.close()
