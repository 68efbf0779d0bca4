package io.sluice.gateway.balance;

import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code least_connections}: the endpoint with the fewest attempts in flight across all event loops; among equals,
 * the search starts one further each time, so that a quiet farm still takes turns.
 */
final class LeastConnections implements EndpointSelector {
    private final List<UpstreamEndpoint> endpoints;
    private final AtomicInteger start = new AtomicInteger();

    LeastConnections(List<UpstreamEndpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    @Override
    public UpstreamEndpoint select(AffinitySource affinity, List<UpstreamEndpoint> avoid) {
        final int first = avoid.isEmpty() ? start.getAndIncrement() : start.get();
        final long now = TurnClock.nanoTime();
        for (int pass = 0; pass < Eligible.PASSES - 1; pass++) {
            UpstreamEndpoint best = null;
            int bestLoad = Integer.MAX_VALUE;
            for (int i = 0; i < endpoints.size(); i++) {
                final UpstreamEndpoint endpoint = endpoints.get(Math.floorMod(first + i, endpoints.size()));
                final int load = endpoint.stats().inFlight();
                if (Eligible.in(pass, endpoint, avoid, now) && load < bestLoad) {
                    best = endpoint;
                    bestLoad = load;
                }
            }
            if (best != null) {
                return best;
            }
        }
        return endpoints.get(Math.floorMod(first, endpoints.size()));
    }
}
