"""Python client for wirecopy, the wire-copy detection and fact-stream service.

``pb`` and ``pb_grpc`` are the modules generated from
``proto/wirecopy/v1/wirecopy.proto`` when the package was built; the rest is
a thin convenience layer over them.
"""

from .client import (
    ARTICLE_FIELDS,
    DEFAULT_TARGET,
    WirecopyClient,
    WirecopyError,
    fact_summary,
    make_article,
    response_error,
    status_code,
    to_timestamp,
    verdict_name,
)
from .cursor import CursorLockedError, CursorStore
from .proto.wirecopy.v1 import wirecopy_pb2 as pb
from .proto.wirecopy.v1 import wirecopy_pb2_grpc as pb_grpc

__version__ = "0.1.0"

__all__ = [
    "ARTICLE_FIELDS",
    "DEFAULT_TARGET",
    "CursorLockedError",
    "CursorStore",
    "WirecopyClient",
    "WirecopyError",
    "fact_summary",
    "make_article",
    "pb",
    "pb_grpc",
    "response_error",
    "status_code",
    "to_timestamp",
    "verdict_name",
]
