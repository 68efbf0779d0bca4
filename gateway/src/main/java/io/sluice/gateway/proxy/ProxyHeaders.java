package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldNames;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.http.RequestIds;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.upstream.RequestHead;
import io.sluice.gateway.upstream.ResponseHead;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The headers of both legs of an exchange. Upstream: the client's end-to-end headers, minus every credential and
 * forwarding header, with the client's real origin and {@code identity} encoding so the tee can read usage.
 * Downstream: the backend headers {@link RelayedHeaders} allows, with Sluice's framing and request id.
 */
final class ProxyHeaders {
    private static final AsciiString UPSTREAM_REQUEST_ID = AsciiString.cached(RequestIds.UPSTREAM_HEADER);
    private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
    private static final AsciiString REQUEST_ID = AsciiString.cached(RequestIds.HEADER);
    private static final AsciiString SERVED_BY_PROVIDER = AsciiString.cached("x-sluice-provider");
    private static final AsciiString SERVED_MODEL = AsciiString.cached("x-sluice-model");

    private static final AsciiString NO = AsciiString.cached("no");
    /**
     * The fields Sluice writes on every relayed head, never taken from the backend even where the config relays
     * their names: each is written once, as a head written as bytes cannot replace one.
     */
    private static final FieldNames WRITTEN_HERE = FieldNames.of(HttpHeaderNames.CONTENT_LENGTH, REQUEST_ID,
            UPSTREAM_REQUEST_ID, SERVED_BY_PROVIDER, SERVED_MODEL, X_ACCEL_BUFFERING);
    /** The backend's fields that describe its body, left out when Sluice writes the body itself. */
    private static final FieldNames DESCRIBE_THE_BODY = FieldNames.of(HttpHeaderNames.CONTENT_TYPE,
            HttpHeaderNames.CONTENT_ENCODING);

    /**
     * What the client's response body is, as its head tells it.
     *
     * @param ownType     the media type of a body Sluice writes itself, in the client's dialect; null for the
     *                    backend's body, relayed with the backend's type and encoding
     * @param length      the body's length, or -1 when it is not known before it ends
     * @param eventStream whether the body is an event stream
     */
    record ClientBody(CharSequence ownType, long length, boolean eventStream) {
        /** The backend's body relayed as it comes: sized as the backend sized it, unless it is a stream. */
        static ClientBody relayed(ResponseHead upstream, boolean eventStream) {
            return new ClientBody(null, eventStream ? ResponseHead.NO_LENGTH : upstream.contentLength(),
                    eventStream);
        }
    }

    /**
     * Client headers never sent upstream: those Sluice sets itself, every credential of any dialect (the provider's
     * key replaces them; a gateway key must never reach a backend), the OpenAI organization and project a key bills
     * (they go with the provider's key: a client must not choose whom the operator's key bills; a provider's
     * {@code headers} may set them), and the forwarding headers, which Sluice writes from the real peer.
     */
    private static final FieldNames NOT_SENT_UPSTREAM = FieldNames.of(
            HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.EXPECT,
            HttpHeaderNames.ACCEPT_ENCODING, REQUEST_ID,
            HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.COOKIE, AsciiString.cached("x-internal-auth"),
            AsciiString.cached("x-auth-token"), AsciiString.cached("ocp-apim-subscription-key"),
            AsciiString.cached("x-amz-security-token"), AsciiString.cached("openai-organization"),
            AsciiString.cached("openai-project"),
            TrustedProxies.FORWARDED, AsciiString.cached("x-real-ip"), TraceContext.TRACEPARENT,
            TraceContext.TRACESTATE);
    /** {@code x-api-key}, {@code api-key}, {@code x-goog-api-key}, {@code anthropic-api-key} and their kind. */
    private static final List<AsciiString> CREDENTIAL_SUFFIXES = List.of(AsciiString.cached("api-key"),
            AsciiString.cached("apikey"));
    /** Forwarding headers, and Netty's internal {@code x-http2-*} headers of a request that arrived over HTTP/2. */
    private static final List<AsciiString> NOT_SENT_UPSTREAM_PREFIXES = List.of(AsciiString.cached("x-forwarded-"),
            AsciiString.cached("x-http2-"));
    private static final Predicate<CharSequence> SKIPPED_UPSTREAM = name -> NOT_SENT_UPSTREAM.contains(name)
            || HopByHop.startsWithAny(NOT_SENT_UPSTREAM_PREFIXES, name)
            || HopByHop.endsWithAny(CREDENTIAL_SUFFIXES, name);

    private ProxyHeaders() {
    }

    /**
     * The client's fields as an exchange keeps them, those sent upstream marked: its end-to-end fields but the ones
     * Sluice never sends on, and its {@code tracestate} when the trace is the client's. Each goes in its place among
     * the client's fields, after the head's own: the order of fields of different names means nothing (RFC 9110
     * §5.3).
     */
    static ClientFields clientFields(HttpHeaders client, TraceContext trace) {
        final Predicate<CharSequence> endToEnd = HopByHop.endToEndIn(client, SKIPPED_UPSTREAM);
        return ClientFields.of(client, trace.fromClient()
                ? name -> endToEnd.test(name) || TraceContext.TRACESTATE.contentEqualsIgnoreCase(name) : endToEnd);
    }

    /**
     * The head of the request for the backend: {@code POST path} with a Content-Length of {@code bodyLength}, written
     * into a buffer of {@code alloc} that the caller sends before the body. A header the provider sets replaces any
     * of the same name ({@link RequestHead}).
     *
     * @param client          the client's fields, of which those {@link #clientFields} marks as sent go on
     * @param providerHeaders the provider's key, version and own headers
     * @param trace           Sluice's hop of the request's trace, for its {@code traceparent}
     */
    static ByteBuf upstreamRequestHead(ByteBufAllocator alloc, ClientFields client, ClientOrigin origin, String path,
                                       UpstreamEndpoint target, List<Map.Entry<String, String>> providerHeaders,
                                       String requestId, TraceContext trace, int bodyLength) {
        final RequestHead head = RequestHead.start(alloc, HttpMethod.POST, path, providerHeaders);
        try {
            head.header(HttpHeaderNames.HOST, target.hostHeader())
                    .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bodyLength))
                    .header(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                    .header(TrustedProxies.X_FORWARDED_FOR, origin.forwardedFor())
                    .header(TrustedProxies.FORWARDED, origin.forwarded())
                    .header(TrustedProxies.X_FORWARDED_PROTO, origin.proto())
                    .header(REQUEST_ID, requestId)
                    .header(TraceContext.TRACEPARENT, trace.traceparent());
            if (!client.contains(HttpHeaderNames.CONTENT_TYPE)) {
                head.header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            }
            client.writeSent(head);
            return head.end();
        } catch (RuntimeException | Error e) {
            head.discard();
            throw e;
        }
    }

    /**
     * The fields of the response head for the client, naming the provider and backend model that answered. The
     * backend's fields {@code relayed} allows come first, as the backend sent them, then Sluice's own: its request id,
     * and the framing. An event stream, or a body of unknown length, is sent chunked (or, to HTTP/1.0, until close),
     * so that Sluice can leave out an event or end it with an error event; a sized body keeps its length. A 204 or
     * 304 has no body and says nothing of one.
     *
     * @param body what the client's body is
     * @return whether the head says the body is chunked
     */
    static boolean clientHead(ResponseHead upstream, int status, ClientBody body, RelayedHeaders relayed,
                              String requestId, Target servedBy, boolean keepAlive, HttpVersion clientVersion,
                              HeadFields out) {
        final CharSequence connection = HopByHop.namingOtherFields(upstream.get(HttpHeaderNames.CONNECTION));
        for (int i = 0; i < upstream.size(); i++) {
            final AsciiString name = upstream.name(i);
            if (HopByHop.isEndToEnd(name, connection, relayed.notRelayed()) && !WRITTEN_HERE.contains(name)
                    && (body.ownType() == null || !DESCRIBE_THE_BODY.contains(name))) {
                out.add(name, upstream.value(i));
            }
        }
        if (body.ownType() != null) {
            out.add(HttpHeaderNames.CONTENT_TYPE, body.ownType());
        }
        final AsciiString upstreamId = upstream.get(REQUEST_ID);
        if (upstreamId != null && !upstreamId.contentEquals(requestId)) {
            out.add(UPSTREAM_REQUEST_ID, upstreamId);
        }
        out.add(REQUEST_ID, requestId);
        out.add(SERVED_BY_PROVIDER, servedBy.provider().id());
        out.add(SERVED_MODEL, servedBy.backendModel());
        if (body.eventStream()) {
            out.add(X_ACCEL_BUFFERING, NO);
        }
        boolean chunked = false;
        if (!ResponseHead.hasNoBody(status)) {
            if (body.length() >= 0) {
                out.add(HttpHeaderNames.CONTENT_LENGTH, Long.toString(body.length()));
            } else if (clientVersion.isKeepAliveDefault()) {
                out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                chunked = true;
            }
        }
        if (!keepAlive) {
            out.add(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientVersion.isKeepAliveDefault()) {
            out.add(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return chunked;
    }
}
