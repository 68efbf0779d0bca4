package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.usage.Usage;

/**
 * Moves one response body from the backend to the client, piece by piece, with its usage tee beside it. Runs on
 * the exchange's event loop.
 */
interface ResponseRelay {
    /** One piece of the body; ownership passes to the relay. */
    void onContent(ByteBuf content);

    /** The body ended: write whatever is still held. */
    void onEnd();

    /** The exchange broke off: release whatever is held, write nothing more. */
    void discard();

    /** Whether the body's format lets a terminal error event end it cleanly after a failure. */
    boolean canEndWithErrorEvent();

    /**
     * Why the body, now ended, is not a whole answer, or null when it is: an event stream that closed before its
     * final event was cut short however cleanly its connection ended.
     */
    String failure();

    /**
     * Whether the stream already sent its final event (a finish reason, {@code [DONE]}, {@code message_stop}): a
     * failure after it takes nothing from the answer, which ends as it is.
     */
    default boolean complete() {
        return false;
    }

    /** Whether the body already broke before its end (an error inside a translated stream): stop it now. */
    default boolean broken() {
        return false;
    }

    /** The usage the body reported so far, or null. */
    Usage usage();
}
