package io.sluice.gateway.balance;

import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code least_loaded}: two endpoints drawn at random, the less loaded of them taken (Mitzenmacher's power of two
 * choices: close to the least loaded endpoint, without every loop rushing to the same one between updates). The
 * load is the attempts in flight across all event loops.
 */
final class PowerOfTwoChoices implements EndpointSelector {
    private final List<UpstreamEndpoint> endpoints;
    /** For when the two drawn cannot both be chosen: the least loaded of those that can. */
    private final LeastConnections fallback;

    PowerOfTwoChoices(List<UpstreamEndpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
        this.fallback = new LeastConnections(endpoints);
    }

    @Override
    public UpstreamEndpoint select(AffinitySource affinity, List<UpstreamEndpoint> avoid) {
        final int n = endpoints.size();
        if (n == 1) {
            return endpoints.get(0);
        }
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final int a = random.nextInt(n);
        final int b = (a + 1 + random.nextInt(n - 1)) % n;
        final UpstreamEndpoint first = endpoints.get(a);
        final UpstreamEndpoint second = endpoints.get(b);
        final long now = System.nanoTime();
        if (Eligible.in(0, first, avoid, now) && Eligible.in(0, second, avoid, now)) {
            return second.stats().inFlight() < first.stats().inFlight() ? second : first;
        }
        return fallback.select(affinity, avoid);
    }
}
