"""Models of widely copied refreshing clients, faithful to their quirks, and the correct client
behind the same interface, so the compatibility flows can run all of them alike.
"""

from conformance.client.models.angular12 import Angular12Interceptor
from conformance.client.models.angular17 import Angular17Interceptor
from conformance.client.models.base import ClientModel, HttpErrorResponse
from conformance.client.models.correct import CorrectClient

__all__ = [
    "Angular12Interceptor",
    "Angular17Interceptor",
    "ClientModel",
    "CorrectClient",
    "HttpErrorResponse",
]
