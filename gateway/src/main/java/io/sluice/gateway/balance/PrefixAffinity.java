package io.sluice.gateway.balance;

import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.Arrays;
import java.util.List;

/**
 * {@code prefix_affinity}: consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam), so that a
 * conversation keeps reaching the endpoint whose KV cache holds its prefix, and a hot prefix still spreads. The key
 * is a session header's value when the request has one, else the prompt's first bytes; each endpoint owns
 * {@value #POINTS_PER_ENDPOINT} points of a ring, and the request goes to the first endpoint clockwise from its key
 * whose attempts in flight are under {@code load_factor} times the average (plus one). A request with no key goes
 * to the least loaded endpoint.
 */
final class PrefixAffinity implements EndpointSelector {
    static final int POINTS_PER_ENDPOINT = 160;

    private final List<UpstreamEndpoint> endpoints;
    private final String sessionHeader;
    private final int prefixBytes;
    private final double loadFactor;
    private final long[] points;
    private final UpstreamEndpoint[] owners;
    private final LeastConnections keyless;

    PrefixAffinity(List<UpstreamEndpoint> endpoints, String sessionHeader, int prefixBytes, double loadFactor) {
        this.endpoints = List.copyOf(endpoints);
        this.sessionHeader = sessionHeader;
        this.prefixBytes = prefixBytes;
        this.loadFactor = loadFactor;
        this.keyless = new LeastConnections(endpoints);
        final int n = endpoints.size() * POINTS_PER_ENDPOINT;
        final long[][] ring = new long[n][2];
        for (int e = 0; e < endpoints.size(); e++) {
            for (int p = 0; p < POINTS_PER_ENDPOINT; p++) {
                ring[e * POINTS_PER_ENDPOINT + p] = new long[] {AffinityHash.of(endpoints.get(e).url() + "#" + p), e};
            }
        }
        Arrays.sort(ring, (a, b) -> Long.compare(a[0], b[0]));
        this.points = new long[n];
        this.owners = new UpstreamEndpoint[n];
        for (int i = 0; i < n; i++) {
            points[i] = ring[i][0];
            owners[i] = endpoints.get((int) ring[i][1]);
        }
    }

    @Override
    public UpstreamEndpoint select(AffinitySource affinity, List<UpstreamEndpoint> avoid) {
        long key = sessionHeader == null ? 0 : affinity.sessionHash(sessionHeader);
        if (key == 0) {
            key = affinity.promptHash(prefixBytes);
        }
        if (key == 0) {
            return keyless.select(affinity, avoid);
        }
        int total = 0;
        for (UpstreamEndpoint endpoint : endpoints) {
            total += endpoint.stats().inFlight();
        }
        final double capacity = Math.ceil(loadFactor * (total + 1) / endpoints.size());
        int at = Arrays.binarySearch(points, key);
        if (at < 0) {
            at = -at - 1;
        }
        final long now = TurnClock.nanoTime();
        for (int i = 0; i < owners.length; i++) {
            final UpstreamEndpoint owner = owners[(at + i) % owners.length];
            if (Eligible.in(0, owner, avoid, now) && owner.stats().inFlight() < capacity) {
                return owner;
            }
        }
        return keyless.select(affinity, avoid);
    }
}
