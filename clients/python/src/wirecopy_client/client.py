"""A small convenience layer over the generated wirecopy stubs.

Everything returns the generated protobuf messages unchanged (they are the
documented contract, see ``proto/wirecopy/v1/wirecopy.proto``); this module
only removes the ceremony: building ``Article`` messages from dicts,
timestamps from datetimes or strings, bearer-token metadata, compression,
retries, and a resumable fact-stream generator.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Optional, Sequence, Union

import grpc
from google.protobuf import timestamp_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .proto.wirecopy.v1 import wirecopy_pb2 as pb
from .proto.wirecopy.v1 import wirecopy_pb2_grpc as pb_grpc

DEFAULT_TARGET = "localhost:50051"

#: The fields of ``wirecopy.v1.Article`` a dict may carry.
ARTICLE_FIELDS = frozenset(pb.Article.DESCRIPTOR.fields_by_name)

# Unary RPCs the channel retries by itself. Submit is safe to retry: a
# retried Submit of an article that was stored answers RESUBMITTED. The
# codes are the ones the server documents as "retry later": UNAVAILABLE
# (storage failure, shutting down, or not reachable yet) and
# RESOURCE_EXHAUSTED (analysis queue full).
_RETRIED_METHODS = [
    {"service": "wirecopy.v1.ArticleService", "method": m}
    for m in ("Submit", "Analyze", "GetArticle", "GetDuplicates")
] + [{"service": "wirecopy.v1.FactService", "method": "ListFacts"}]
_RETRY_SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": _RETRIED_METHODS,
                "retryPolicy": {
                    "maxAttempts": 5,
                    "initialBackoff": "0.2s",
                    "maxBackoff": "5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
                },
            }
        ]
    }
)

_COMPRESSION = {
    None: grpc.Compression.NoCompression,
    "none": grpc.Compression.NoCompression,
    "gzip": grpc.Compression.Gzip,
}

ArticleLike = Union[pb.Article, Mapping[str, Any]]


class WirecopyError(grpc.RpcError):
    """A failed wirecopy call.

    Subclasses ``grpc.RpcError`` and mirrors its ``code()`` / ``details()``
    methods, so code written against plain gRPC keeps working.
    """

    def __init__(self, code: grpc.StatusCode, details: str, article_id: str = ""):
        super().__init__(f"{code.name}: {details}")
        self._code = code
        self._details = details
        #: Set for a per-article failure inside SubmitStream.
        self.article_id = article_id

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    @classmethod
    def from_rpc(cls, err: grpc.RpcError) -> "WirecopyError":
        code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
        details = err.details() if hasattr(err, "details") else str(err)
        return cls(code or grpc.StatusCode.UNKNOWN, details or "")


def status_code(value: int) -> grpc.StatusCode:
    """The grpc.StatusCode for a google.rpc.Code number (as in ``Error.code``)."""
    for code in grpc.StatusCode:
        if code.value[0] == value:
            return code
    return grpc.StatusCode.UNKNOWN


def response_error(response: pb.SubmitResponse) -> Optional[WirecopyError]:
    """The per-article error of a SubmitStream response, or None."""
    if not response.HasField("error"):
        return None
    return WirecopyError(
        status_code(response.error.code), response.error.message, response.article_id
    )


def verdict_name(value: int) -> str:
    """``pb.WIRE_COPY`` -> ``"WIRE_COPY"``."""
    return pb.Verdict.Name(value)


def to_timestamp(value: Any) -> timestamp_pb2.Timestamp:
    """Converts what scrapers usually have to a protobuf Timestamp.

    Accepts a Timestamp, an aware or naive ``datetime`` (naive is taken as
    UTC: scrapers rarely know better, and local time would make the result
    depend on the machine), a ``date`` (midnight UTC), a number of seconds
    since the epoch, or a string in ISO 8601 / RFC 3339 (``2020-12-01T18:32:00Z``)
    or RFC 2822 (``Tue, 01 Dec 2020 18:32:00 GMT``, as in RSS feeds).
    """
    if isinstance(value, timestamp_pb2.Timestamp):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    elif isinstance(value, str):
        value = _parse_datetime(value)
    elif isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"published_at: cannot make a timestamp of {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value.astimezone(_dt.timezone.utc))
    return ts


def _parse_datetime(text: str) -> _dt.datetime:
    s = text.strip()
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s  # Python < 3.11
    try:
        return _dt.datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError):
        raise ValueError(f"published_at: not an ISO 8601 or RFC 2822 date: {text!r}") from None


def make_article(article: Optional[ArticleLike] = None, **fields: Any) -> pb.Article:
    """Builds a ``wirecopy.v1.Article`` from a dict, a message and/or keywords.

    Keywords override the dict's keys. ``None`` values are left unset.
    ``id`` falls back to ``url`` (as the wirecopy CLI does). Unknown keys
    are a ``TypeError``: a misspelt ``boddy`` silently dropped would be an
    empty article.
    """
    if isinstance(article, pb.Article):
        msg = pb.Article()
        msg.CopyFrom(article)
        data: dict[str, Any] = {}
    else:
        msg = pb.Article()
        data = dict(article or {})
    data.update(fields)
    unknown = sorted(set(data) - ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown article field(s) {unknown}; known: {sorted(ARTICLE_FIELDS)}")
    for key, value in data.items():
        if value is None:
            continue
        if key == "published_at":
            msg.published_at.CopyFrom(to_timestamp(value))
        elif key == "labels":
            msg.labels.clear()
            msg.labels.update({str(k): str(v) for k, v in dict(value).items()})
        else:
            setattr(msg, key, str(value))
    if not msg.id and msg.url:
        msg.id = msg.url
    return msg


def _parse_target(target: str, secure: Optional[bool]) -> tuple[str, bool]:
    """Accepts ``host:port`` and the CLI's URL form (``http://`` / ``https://``)."""
    if target.startswith("https://"):
        return target[len("https://"):].rstrip("/"), True if secure is None else secure
    if target.startswith("http://"):
        return target[len("http://"):].rstrip("/"), bool(secure)
    return target, bool(secure)


class WirecopyClient:
    """A connection to a wirecopy server.

    ``target`` is ``host:port`` (or ``http://host:port``; ``https://`` turns
    on TLS). ``token`` is sent as ``authorization: Bearer TOKEN`` on every
    call, for servers started with ``--tokens``. Messages are gzip-compressed
    by default: article text roughly halves (2.0-2.2x on the seed
    articles), and the server accepts and answers gzip (``compression=None`` turns it off). Unary
    calls time out after ``timeout`` seconds (the server's own limit is 60)
    and are retried by the channel on UNAVAILABLE and RESOURCE_EXHAUSTED
    with exponential backoff unless ``retries=False``.

    The client is thread-safe; use one per process and ``close()`` it (or
    use it as a context manager).
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        token: Optional[str] = None,
        *,
        secure: Optional[bool] = None,
        root_certificates: Optional[bytes] = None,
        compression: Optional[str] = "gzip",
        timeout: Optional[float] = 60.0,
        retries: bool = True,
        options: Sequence[tuple[str, Any]] = (),
    ):
        address, tls = _parse_target(target, secure)
        try:
            algo = _COMPRESSION[compression.lower() if compression else None]
        except KeyError:
            raise ValueError(
                f"compression must be 'gzip' or None (the server also speaks zstd, which grpcio lacks), "
                f"not {compression!r}"
            ) from None
        opts = list(options)
        if retries:
            opts += [("grpc.enable_retries", 1), ("grpc.service_config", _RETRY_SERVICE_CONFIG)]
        if tls:
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(address, creds, options=opts)
        else:
            self._channel = grpc.insecure_channel(address, options=opts)
        # Compression is passed with every call rather than set as the
        # channel default, so the channel stays usable by other stubs the
        # caller builds on it with their own choice.
        self._compression = algo
        self.target = address
        self.timeout = timeout
        # Metadata rather than call credentials: gRPC only attaches call
        # credentials on TLS channels, and wirecopy on loopback is plaintext.
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._articles = pb_grpc.ArticleServiceStub(self._channel)
        self._facts = pb_grpc.FactServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "WirecopyClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def channel(self) -> grpc.Channel:
        """The underlying channel, for the generated stubs or health checks."""
        return self._channel

    def _unary(self, method, request, timeout):
        try:
            return method(
                request,
                metadata=self._metadata,
                timeout=self.timeout if timeout is None else timeout,
                compression=self._compression,
            )
        except grpc.RpcError as err:
            raise WirecopyError.from_rpc(err) from err

    # -- ArticleService ----------------------------------------------------

    def submit(
        self, article: Optional[ArticleLike] = None, *, timeout: Optional[float] = None, **fields: Any
    ) -> pb.SubmitResponse:
        """Analyses and durably stores one article; returns its analysis.

        ``client.submit({"id": "r-1", "body": "..."})`` or
        ``client.submit(id="r-1", body="...", source="reuters.com")``.
        Raises WirecopyError (INVALID_ARGUMENT, ALREADY_EXISTS, ...).
        """
        req = pb.SubmitRequest(article=make_article(article, **fields))
        return self._unary(self._articles.Submit, req, timeout)

    def analyze(
        self, article: Optional[ArticleLike] = None, *, timeout: Optional[float] = None, **fields: Any
    ) -> pb.SubmitResponse:
        """What ``submit`` would answer now, storing nothing."""
        req = pb.SubmitRequest(article=make_article(article, **fields))
        return self._unary(self._articles.Analyze, req, timeout)

    def submit_many(
        self, articles: Iterable[ArticleLike], *, timeout: Optional[float] = None
    ) -> Iterator[pb.SubmitResponse]:
        """Bulk ingest through SubmitStream; yields one response per article, in order.

        Each response is an acknowledgement (the article is durable). A
        refused article does not stop the stream: its response has
        ``error`` set (see ``response_error``). Articles are converted and
        sent lazily, so a large iterable streams without being held in
        memory. ``timeout`` (default: none) bounds the whole stream.
        """
        failure: list[BaseException] = []

        def requests() -> Iterator[pb.SubmitRequest]:
            # gRPC consumes this generator on its own thread and turns an
            # exception raised here into an opaque CANCELLED; keep it and
            # re-raise it to the caller after the responses end instead.
            try:
                for article in articles:
                    yield pb.SubmitRequest(article=make_article(article))
            except Exception as exc:  # noqa: BLE001 - re-raised below
                failure.append(exc)

        call = self._articles.SubmitStream(
            requests(), metadata=self._metadata, timeout=timeout, compression=self._compression
        )
        try:
            yield from call
        except grpc.RpcError as err:
            if failure:
                raise failure[0] from err
            raise WirecopyError.from_rpc(err) from err
        finally:
            call.cancel()  # no-op once finished; ends the RPC if the caller stops early
        if failure:
            raise failure[0]

    def get_article(self, article_id: str, *, timeout: Optional[float] = None) -> pb.GetArticleResponse:
        """The stored article (body byte for byte) with its stored analysis."""
        return self._unary(self._articles.GetArticle, pb.GetArticleRequest(id=article_id), timeout)

    def duplicates(self, article_id: str, *, timeout: Optional[float] = None) -> pb.GetDuplicatesResponse:
        """Every other article sharing copied text with ``article_id`` (EARLIER / LATER)."""
        return self._unary(self._articles.GetDuplicates, pb.GetDuplicatesRequest(id=article_id), timeout)

    def delete(self, article_id: str, *, timeout: Optional[float] = None) -> pb.DeleteArticleResponse:
        """Deletes a stored article (needs the ``delete`` scope with tokens).

        Its facts get FACT_RETRACTED or CORROBORATION_WITHDRAWN events on the
        stream; NOT_FOUND for an unknown id.
        """
        return self._unary(self._articles.DeleteArticle, pb.DeleteArticleRequest(id=article_id), timeout)

    def export(self, after: int = 0, *, timeout: Optional[float] = None) -> Iterator[pb.GetArticleResponse]:
        """Every stored article in storage order, after ``analysis.sequence`` ``after``."""
        call = self._articles.Export(
            pb.ExportRequest(after_sequence=after),
            metadata=self._metadata,
            timeout=timeout,
            compression=self._compression,
        )
        try:
            yield from call
        except grpc.RpcError as err:
            raise WirecopyError.from_rpc(err) from err
        finally:
            call.cancel()

    # -- FactService -------------------------------------------------------

    def list_facts(self, article_id: str, *, timeout: Optional[float] = None) -> pb.ListFactsResponse:
        """The facts of one article, in body order, each marked created or corroborated."""
        return self._unary(self._facts.ListFacts, pb.ListFactsRequest(article_id=article_id), timeout)

    def subscribe(
        self,
        after: Any = 0,
        *,
        from_now: bool = False,
        kinds: Iterable[Union[int, str]] = (),
        sources: Iterable[str] = (),
        entity: str = "",
        include_corroborations: bool = False,
        heartbeats: bool = True,
        reconnect: bool = False,
        timeout: Optional[float] = None,
    ) -> Iterator[pb.FactEvent]:
        """Follows the fact stream; yields ``FactEvent`` messages.

        ``after`` is the last sequence already processed (0: from the
        beginning), or a ``CursorStore`` whose saved sequence is used. The
        server delivers every later event exactly once, so a consumer that
        commits ``event.sequence`` after processing each event (see
        ``CursorStore``) resumes without a gap or a repeat.

        ``kinds`` takes names (``"QUOTE"``) or ``pb.FactKind`` values.
        HEARTBEAT events (filtered streams, while nothing matches) are
        yielded too, so the caller can advance its cursor; pass
        ``heartbeats=False`` to drop them.

        The stream never ends on its own. It stops when the caller stops
        iterating (``break`` cancels the call), when ``timeout`` seconds
        have passed (the generator then simply returns), or when the
        server shuts down. With ``reconnect=True`` a shutdown or an
        UNAVAILABLE server is retried with backoff, resuming after the last
        sequence received. (With ``from_now`` and no event received yet,
        a reconnect starts from the new "now", which can skip events stored
        while disconnected: pass a sequence instead to be exact.)
        """
        if hasattr(after, "sequence"):  # a CursorStore
            after = after.sequence
        last = int(after)
        kind_values = [pb.FactKind.Value(k) if isinstance(k, str) else int(k) for k in kinds]
        deadline = None if timeout is None else time.monotonic() + timeout
        seen_any = False
        backoff = 0.2
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return
            request = pb.SubscribeRequest(
                after_sequence=last,
                from_now=from_now and not seen_any,
                kinds=kind_values,
                sources=list(sources),
                entity=entity or "",
                include_corroborations=include_corroborations,
            )
            call = self._facts.Subscribe(
                request, metadata=self._metadata, timeout=remaining, compression=self._compression
            )
            try:
                for event in call:
                    backoff = 0.2
                    seen_any = True
                    last = event.sequence
                    if event.kind == pb.FactEvent.HEARTBEAT and not heartbeats:
                        continue
                    yield event
                # A clean end: the server is shutting down.
                if not reconnect:
                    return
            except grpc.RpcError as err:
                code = err.code()
                if code == grpc.StatusCode.DEADLINE_EXCEEDED and deadline is not None:
                    return
                if not (reconnect and code == grpc.StatusCode.UNAVAILABLE):
                    raise WirecopyError.from_rpc(err) from err
            finally:
                call.cancel()
            pause = backoff if deadline is None else min(backoff, max(0.0, deadline - time.monotonic()))
            time.sleep(pause)
            backoff = min(backoff * 2, 5.0)

    # -- health ------------------------------------------------------------

    def health(self, service: str = "", *, timeout: Optional[float] = 5.0) -> str:
        """The grpc.health.v1 status name (``"SERVING"``, ``"NOT_SERVING"``, ...)."""
        request = health_pb2.HealthCheckRequest(service=service)
        try:
            response = self._health.Check(
                request, metadata=self._metadata, timeout=timeout, compression=self._compression
            )
        except grpc.RpcError as err:
            raise WirecopyError.from_rpc(err) from err
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def fact_summary(fact: pb.Fact) -> str:
    """A one-line human description of a fact, for logs and examples."""
    which = fact.WhichOneof("body")
    if which == "quote":
        q = fact.quote
        who = q.speaker or "?"
        if q.speaker_title:
            who = f"{who} ({q.speaker_title})"
        mark = '"' if q.direct else ""
        return f"QUOTE {who} {q.cue or 'said'}: {mark}{q.text}{mark}"
    if which == "entity":
        e = fact.entity
        titles = f" [{', '.join(e.titles)}]" if e.titles else ""
        return f"ENTITY {pb.EntityType.Name(e.type)} {e.name}{titles}"
    if which == "time":
        t = fact.time
        return f"TIME {t.text} = {t.value or '(unresolved)'}"
    if which == "quantity":
        q = fact.quantity
        return f"QUANTITY {q.text} = {q.value:g} {q.unit}".rstrip()
    return pb.FactKind.Name(fact.kind)
