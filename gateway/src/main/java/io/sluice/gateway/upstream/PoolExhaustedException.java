package io.sluice.gateway.upstream;

/** No connection to an endpoint could be had: every one is busy and the wait queue is full or timed out. */
public final class PoolExhaustedException extends Exception {
    public PoolExhaustedException(String message) {
        super(message, null, false, false);
    }
}
