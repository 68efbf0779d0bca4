package io.sluice.gateway.upstream;

/** The exchange that leases an upstream connection hears its events through this; all run on its event loop. */
public interface UpstreamListener {
    /** A decoded response object; ownership passes to the listener. */
    void onUpstreamMessage(Object message);

    /** The end of one read from the backend socket. */
    void onUpstreamReadComplete();

    /** The connection closed or failed; {@code cause} is null for a plain close. */
    void onUpstreamClosed(Throwable cause);
}
