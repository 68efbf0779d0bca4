package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.ProviderError;

/**
 * One client dialect's face on the request core (DESIGN.md §2b, {@code Front}): the operation a request asked for,
 * the codec of its dialect, and its errors in that dialect's format, as a body, as the terminal event of a stream,
 * and for a backend's own error. Immutable; one per operation, shared.
 */
public interface Front {
    DialectCodec codec();

    Operation operation();

    /** @param param the request field the error is about, or null */
    ByteBuf error(ByteBufAllocator alloc, ErrorKind kind, String message, String param);

    /** A backend's error, already bounded and masked, as this dialect says it. */
    ByteBuf backendError(ByteBufAllocator alloc, ProviderError error, int status);

    /** The event that ends a stream which broke after its first byte. */
    ByteBuf streamError(ByteBufAllocator alloc, ErrorKind kind, String message);

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
