"""Official Python client for the Shiplane shipping and tracking API.

    import shiplane
    client = shiplane.Client()          # reads SHIPLANE_API_KEY
    shipment = client.shipments.get("shp_1Nv0")
"""

from .client import Client
from .errors import (
    APIError,
    AuthenticationError,
    CarrierError,
    InvalidRequestError,
    PermissionError,
    RateLimitError,
    ShiplaneError,
)

__version__ = "2.1.0"
__all__ = [
    "Client",
    "ShiplaneError",
    "APIError",
    "AuthenticationError",
    "CarrierError",
    "InvalidRequestError",
    "PermissionError",
    "RateLimitError",
]
