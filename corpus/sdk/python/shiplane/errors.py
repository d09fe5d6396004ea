"""Exceptions raised for API errors, one class per error type."""


class ShiplaneError(Exception):
    """Base class of every error the SDK raises for an API error response."""

    def __init__(self, message, code=None, param=None, request_id=None, http_status=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.request_id = request_id
        self.http_status = http_status

    def __str__(self):
        suffix = f" [request {self.request_id}]" if self.request_id else ""
        return f"{self.http_status} {self.code}: {self.message}{suffix}"


class InvalidRequestError(ShiplaneError):
    """Bad parameters (400) or a reused idempotency key (409)."""


class AuthenticationError(ShiplaneError):
    """Missing, unknown or expired API key (401)."""


class PermissionError(ShiplaneError):
    """The key lacks a scope (403, code insufficient_scope)."""


class RateLimitError(ShiplaneError):
    """Too many requests (429). `retry_after` holds the server's hint in seconds."""

    retry_after = None


class CarrierError(ShiplaneError):
    """The carrier refused the label or is unavailable."""


class APIError(ShiplaneError):
    """An internal error or an unexpected response."""


_BY_TYPE = {
    "invalid_request_error": InvalidRequestError,
    "idempotency_error": InvalidRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionError,
    "rate_limit_error": RateLimitError,
    "carrier_error": CarrierError,
    "api_error": APIError,
}


def error_from_response(status, body, headers):
    """Builds the exception for an error response."""
    error = (body or {}).get("error") or {}
    cls = _BY_TYPE.get(error.get("type"), APIError)
    exc = cls(
        error.get("message", f"unexpected {status} response"),
        code=error.get("code"),
        param=error.get("param"),
        request_id=error.get("request_id") or headers.get("Shiplane-Request-Id"),
        http_status=status,
    )
    if isinstance(exc, RateLimitError) and headers.get("Retry-After"):
        exc.retry_after = int(headers["Retry-After"])
    return exc
