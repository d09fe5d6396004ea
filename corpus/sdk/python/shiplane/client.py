"""The HTTP client: configuration, retries, and the resource namespaces."""

import os
import random
import time
import uuid

import httpx

from .errors import error_from_response

DEFAULT_BASE_URL = "https://api.shiplane.dev/v2"
RETRYABLE_STATUSES = {429, 500, 502, 503}


class Client:
    """A Shiplane API client.

    Args:
        api_key: secret (``sk_``) or restricted (``rk_``) key; defaults to ``SHIPLANE_API_KEY``.
        base_url: API base URL; defaults to ``SHIPLANE_API_BASE`` or the global region.
        timeout: seconds per attempt (default 30).
        max_retries: automatic retries on 429, 5xx and network errors (default 3).
        proxy: proxy URL; ``HTTPS_PROXY`` is honoured when not given.
    """

    def __init__(self, api_key=None, base_url=None, timeout=30, max_retries=3, proxy=None):
        self.api_key = api_key or os.environ.get("SHIPLANE_API_KEY")
        if not self.api_key or not self.api_key.startswith(("sk_", "rk_")):
            raise ValueError("an API key starting with sk_ or rk_ is required (is this a webhook secret?)")
        self.base_url = (base_url or os.environ.get("SHIPLANE_API_BASE") or DEFAULT_BASE_URL).rstrip("/")
        self.max_retries = max_retries
        self._http = httpx.Client(timeout=timeout, proxy=proxy)
        self.shipments = Shipments(self)

    def request(self, method, path, json=None, params=None):
        """Sends a request, retrying 429/5xx with exponential backoff and jitter."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        attempt = 0
        while True:
            try:
                response = self._http.request(method, self.base_url + path, json=json, params=params, headers=headers)
            except httpx.TransportError:
                if attempt >= self.max_retries:
                    raise
                self._sleep(attempt, None)
                attempt += 1
                continue
            if response.status_code < 400:
                return response.json()
            if response.status_code in RETRYABLE_STATUSES and attempt < self.max_retries:
                self._sleep(attempt, response.headers.get("Retry-After"))
                attempt += 1
                continue
            try:
                body = response.json()
            except ValueError:
                body = None
            raise error_from_response(response.status_code, body, response.headers)

    @staticmethod
    def _sleep(attempt, retry_after):
        if retry_after:
            time.sleep(int(retry_after))
            return
        ceiling = min(8.0, 0.5 * (2 ** attempt))
        time.sleep(random.uniform(0, ceiling))


class Shipments:
    """Create, retrieve, list, buy labels for and cancel shipments."""

    def __init__(self, client):
        self._client = client

    def create(self, from_address, to_address, parcels, service=None, reference=None):
        body = {"from": from_address, "to": to_address, "parcels": parcels}
        if service:
            body["service"] = service
        if reference:
            body["reference"] = reference
        return self._client.request("POST", "/shipments", json=body)

    def get(self, shipment_id):
        return self._client.request("GET", f"/shipments/{shipment_id}")

    def list(self, limit=20, starting_after=None, status=None):
        params = {"limit": limit}
        if starting_after:
            params["starting_after"] = starting_after
        if status:
            params["status"] = status
        return ListPage(self, self._client.request("GET", "/shipments", params=params), params)

    def cancel(self, shipment_id):
        """Cancels a shipment; raises InvalidRequestError(code='shipment_not_cancellable') after the first scan."""
        return self._client.request("POST", f"/shipments/{shipment_id}/cancel")


class ListPage:
    """One page of a list, with ``auto_paging_iter()`` to walk every page."""

    def __init__(self, resource, body, params):
        self._resource = resource
        self.data = body.get("data", [])
        self.has_more = body.get("has_more", False)
        self.next_cursor = body.get("next_cursor")
        self._params = params

    def auto_paging_iter(self):
        page = self
        while True:
            yield from page.data
            if not page.has_more:
                return
            cursor = page.next_cursor or (page.data[-1]["id"] if page.data else None)
            if cursor is None:
                return
            page = self._resource.list(**{**page._params, "starting_after": cursor})
