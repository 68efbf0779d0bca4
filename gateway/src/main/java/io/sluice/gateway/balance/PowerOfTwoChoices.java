package io.sluice.gateway.balance;

import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.upstream.EndpointStats;
import io.sluice.gateway.upstream.ServerLoad;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code least_loaded}: two endpoints drawn at random, the less loaded of them taken (Mitzenmacher's power of two
 * choices: close to the least loaded endpoint, without every loop rushing to the same one between updates). The
 * load is the attempts in flight across all event loops; where the model server's own account of its load was
 * scraped recently (vLLM's {@code /metrics}), it counts what the server runs and queues if that is more (the server
 * may serve other gateways and clients too), and its queue once more, since a queued request waits for a slot that
 * a running one already has. Equal loads go to the endpoint whose KV cache is less full.
 */
final class PowerOfTwoChoices implements EndpointSelector {
    private final List<UpstreamEndpoint> endpoints;
    /** For when the two drawn cannot both be chosen: of those that can, the one with the fewest in flight. */
    private final LeastConnections fallback;
    /** How old a scraped load may be and still count; 0 where nothing is scraped. */
    private final long trustNanos;

    PowerOfTwoChoices(List<UpstreamEndpoint> endpoints, long trustNanos) {
        this.endpoints = List.copyOf(endpoints);
        this.fallback = new LeastConnections(endpoints);
        this.trustNanos = trustNanos;
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
        final long now = TurnClock.nanoTime();
        if (Eligible.in(0, first, avoid, now) && Eligible.in(0, second, avoid, now)) {
            final long firstLoad = load(first.stats(), now);
            final long secondLoad = load(second.stats(), now);
            if (firstLoad != secondLoad) {
                return secondLoad < firstLoad ? second : first;
            }
            return kvCacheUsage(second.stats(), now) < kvCacheUsage(first.stats(), now) ? second : first;
        }
        return fallback.select(affinity, avoid);
    }

    private long load(EndpointStats stats, long now) {
        final int inFlight = stats.inFlight();
        final ServerLoad reported = trusted(stats, now);
        return reported == null ? inFlight
                : Math.max(inFlight, (long) reported.running() + reported.waiting()) + reported.waiting();
    }

    private double kvCacheUsage(EndpointStats stats, long now) {
        final ServerLoad reported = trusted(stats, now);
        return reported == null ? 0 : reported.kvCacheUsage();
    }

    private ServerLoad trusted(EndpointStats stats, long now) {
        final ServerLoad reported = stats.serverLoad();
        return reported == null || now - reported.atNanos() > trustNanos ? null : reported;
    }
}
