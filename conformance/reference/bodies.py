"""Parsing of JSON request bodies and of their string fields.

Every problem raises starlette's HTTPException with a 4xx status, which the app turns into a
JSON `{"message": ...}` response.
"""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_BODY_BYTES = 64 * 1024


async def read_json_object(request: Request) -> dict[str, Any]:
    """Read the body as a JSON object, or raise 400 (not JSON) or 413 (larger than 64 KiB)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(400, "Content-Type must be application/json")

    body = bytearray()
    async with aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                raise HTTPException(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")

    try:
        data = json.loads(bytes(body), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        # ValueError covers invalid JSON, invalid UTF-8 and integers too long to convert.
        # RecursionError comes from very deeply nested arrays or objects.
        raise HTTPException(400, "Request body is not valid JSON") from error

    if not isinstance(data, dict):
        raise HTTPException(400, "Request body must be a JSON object")
    return data


def require_text(body: dict[str, Any], name: str, *, max_length: int) -> str:
    """Return the non-empty string field `name`, or raise 400 naming the field."""
    value = body.get(name)
    if value is None or value == "":
        raise HTTPException(400, f"{name} is required")
    if not isinstance(value, str):
        raise HTTPException(400, f"{name} must be a string")
    if len(value) > max_length:
        raise HTTPException(400, f"{name} is longer than {max_length} characters")
    if not is_valid_unicode(value):
        raise HTTPException(400, f"{name} contains invalid Unicode (a lone surrogate)")
    return value


def is_valid_unicode(text: str) -> bool:
    """Return whether `text` encodes to UTF-8. JSON escapes can produce lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are not JSON (RFC 8259 §6).
    raise ValueError(f"{name} is not valid JSON")
