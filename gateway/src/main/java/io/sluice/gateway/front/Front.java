package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.ProviderError;

/**
 * One client dialect's face on the request core (DESIGN.md §2b, {@code Front}): the operation a request asked for,
 * the codec of its dialect, and its errors in that dialect's format, as a body, as the terminal event of a stream,
 * and for a backend's own error. Immutable; one per operation (and answer format), shared. The request id is the
 * trace id a dialect may name in its errors.
 */
public interface Front {
    ClientCodec codec();

    Operation operation();

    /** The front for a request with these headers: another answer format it asked for, or this one. */
    default Front negotiate(HttpHeaders headers) {
        return this;
    }

    /** @param param the request field the error is about, or null */
    ByteBuf error(ByteBufAllocator alloc, ErrorKind kind, String message, String param, String requestId);

    /**
     * The status a client of this dialect gets for a backend's error status: the same, unless the dialect's contract
     * names fewer.
     */
    default int backendStatus(int status) {
        return status;
    }

    /** A backend's error, already bounded and masked, as this dialect says it (with the status the client gets). */
    ByteBuf backendError(ByteBufAllocator alloc, ProviderError error, int status, String requestId);

    /** The event that ends a stream which broke after its first byte. */
    ByteBuf streamError(ByteBufAllocator alloc, ErrorKind kind, String message, String requestId);

    /** The content type of a stream Sluice writes in this dialect. */
    default CharSequence streamContentType() {
        return HttpHeaderValues.TEXT_EVENT_STREAM;
    }

    /** The id of an answer Sluice writes itself (translated from another dialect). */
    String answerId(String requestId);

    /**
     * The answer Sluice gives itself when the backend's dialect has no such operation (an estimate, say), or null
     * when there is none and the request is refused.
     */
    default byte[] localAnswer(ByteBuf body, String model) {
        return null;
    }
}
