package io.sluice.gateway.balance;

/**
 * What a front offers a selector that keeps a conversation on one endpoint (whose KV cache holds its prefix):
 * the hash of a session header's value, or of the prompt's first bytes. Asked only by {@code prefix_affinity}, so
 * other strategies cost the front nothing. Called on the request's event loop.
 */
public interface AffinitySource {
    /** The hash of the request's value of {@code name} (a header, or its WebSocket metadata), or 0 if none. */
    long sessionHash(String name);

    /** The hash of the first {@code bytes} bytes of the prompt (its messages, prompt or input), or 0 if none. */
    long promptHash(int bytes);
}
