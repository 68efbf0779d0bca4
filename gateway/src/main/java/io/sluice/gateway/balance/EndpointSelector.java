package io.sluice.gateway.balance;

import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;

/**
 * Chooses the endpoint of a provider that an attempt goes to: the {@code EndpointSelector} seam of DESIGN.md §2b,
 * one strategy per provider (see {@link Balancers}), reading the shared {@link io.sluice.gateway.upstream.EndpointStats}. Shared by all event
 * loops, so a selection takes no lock: the strategies read atomics and immutable tables only.
 */
public interface EndpointSelector {
    /**
     * @param affinity what keeps a request on one endpoint, asked only by strategies that need it
     * @param avoid    endpoints that already failed for this request: passed over unless every endpoint is in it
     */
    UpstreamEndpoint select(AffinitySource affinity, List<UpstreamEndpoint> avoid);
}
