"""The correct refreshing client behind the same interface as the models of known clients."""

from __future__ import annotations

import httpx

from conformance.client.auth import RefreshingAuth


class CorrectClient:
    """`RefreshingAuth` on an httpx client, raising for non-2xx responses like the models do."""

    name = "correct"

    def __init__(self, http: httpx.AsyncClient, auth: RefreshingAuth) -> None:
        self._http = http
        self.auth = auth

    @property
    def logged_out(self) -> bool:
        return self.auth.logged_out.is_set()

    async def request(self, method: str, url: str) -> httpx.Response:
        response = await self._http.request(method, url, auth=self.auth)
        if not response.is_success:
            raise httpx.HTTPStatusError(
                f"{method} {response.request.url.path} responded with {response.status_code}",
                request=response.request, response=response)
        return response
