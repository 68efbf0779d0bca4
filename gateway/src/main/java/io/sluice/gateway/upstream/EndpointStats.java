package io.sluice.gateway.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every event loop knows of one endpoint's load: the attempts in flight on it, across all loops. The
 * {@code EndpointStats} seam of DESIGN.md §2b; selectors read it, the upstream call counts into it. Lock-free
 * (one atomic); lives as long as its endpoint.
 */
public final class EndpointStats {
    private final AtomicInteger inFlight = new AtomicInteger();

    /** An attempt started on the endpoint; each is matched by one {@link #finished()}. */
    public void started() {
        inFlight.incrementAndGet();
    }

    public void finished() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }
}
