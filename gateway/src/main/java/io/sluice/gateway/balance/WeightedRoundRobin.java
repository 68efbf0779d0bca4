package io.sluice.gateway.balance;

import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code round_robin} and {@code weighted}: the endpoints in the order nginx's smooth weighted round-robin gives
 * them (weights 5:1:1 make a a b a c a a, not a a a a a b c), computed once into a table that one atomic counter
 * walks, so that the event loops share the order without a lock. Equal weights are plain round-robin.
 */
final class WeightedRoundRobin implements EndpointSelector {
    private final UpstreamEndpoint[] order;
    private final AtomicInteger next = new AtomicInteger();

    WeightedRoundRobin(List<UpstreamEndpoint> endpoints, List<Integer> weights) {
        this.order = smoothOrder(endpoints, weights).toArray(UpstreamEndpoint[]::new);
    }

    /** One cycle of smooth weighted round-robin: each pick adds every weight and takes the total from the winner. */
    static List<UpstreamEndpoint> smoothOrder(List<UpstreamEndpoint> endpoints, List<Integer> weights) {
        final int total = weights.stream().mapToInt(Integer::intValue).sum();
        final int[] current = new int[endpoints.size()];
        final List<UpstreamEndpoint> order = new ArrayList<>(total);
        for (int pick = 0; pick < total; pick++) {
            int best = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] += weights.get(i);
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order.add(endpoints.get(best));
        }
        return order;
    }

    @Override
    public UpstreamEndpoint select(AffinitySource affinity, List<UpstreamEndpoint> avoid) {
        final long now = TurnClock.nanoTime();
        if (avoid.isEmpty()) {
            // A turn that falls on an endpoint out of rotation goes to the next turn, not to its neighbour in the
            // order, so that its share spreads over the others as their weights say.
            for (int i = 0; i < order.length; i++) {
                final UpstreamEndpoint endpoint = order[Math.floorMod(next.getAndIncrement(), order.length)];
                if (endpoint.stats().available(now)) {
                    return endpoint;
                }
            }
        }
        // A retry (something to avoid) does not move the shared turn: else one failing endpoint would be every
        // request's first pick, the turn having moved past it twice per request.
        final int start = next.get();
        for (int pass = 0; pass < Eligible.PASSES - 1; pass++) {
            for (int i = 0; i < order.length; i++) {
                final UpstreamEndpoint endpoint = order[Math.floorMod(start + i, order.length)];
                if (Eligible.in(pass, endpoint, avoid, now)) {
                    return endpoint;
                }
            }
        }
        return order[Math.floorMod(start, order.length)];
    }
}
