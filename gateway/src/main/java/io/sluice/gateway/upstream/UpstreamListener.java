package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;

/** The exchange that leases an upstream connection hears its events through this; all run on its event loop. */
public interface UpstreamListener {
    /** The head of the final response (interim ones are skipped). */
    void onUpstreamHead(ResponseHead head);

    /** A piece of the response's body, never empty unless {@code last}; ownership passes to the listener. */
    void onUpstreamBody(ByteBuf piece, boolean last);

    /** The response broke HTTP/1.1's rules for the reason given (which quotes none of it); the connection closes. */
    void onUpstreamMalformed(String reason);

    /** The end of one read from the backend socket. */
    void onUpstreamReadComplete();

    /** The connection closed or failed; {@code cause} is null for a plain close. */
    void onUpstreamClosed(Throwable cause);
}
