package io.sluice.gateway.balance;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancersTest {
    private final List<UpstreamEndpoint> endpoints = List.of(endpoint("a"), endpoint("b"), endpoint("c"));
    private final UpstreamEndpoint a = endpoints.get(0);
    private final UpstreamEndpoint b = endpoints.get(1);
    private final UpstreamEndpoint c = endpoints.get(2);

    private static UpstreamEndpoint endpoint(String host) {
        return new UpstreamEndpoint(URI.create("http://" + host + ":8000"), null);
    }

    private static SluiceConfig.Balance balance(SluiceConfig.Strategy strategy, List<Integer> weights) {
        return new SluiceConfig.Balance(strategy, weights, "x-session-id", 64, 1.25, null);
    }

    /** A request with a session header value and a prompt, either of which may be absent (null). */
    private static AffinitySource request(String session, String prompt) {
        return new AffinitySource() {
            @Override
            public long sessionHash(String name) {
                return session == null ? 0 : AffinityHash.of(session);
            }

            @Override
            public long promptHash(int bytes) {
                return prompt == null ? 0 : AffinityHash.of(prompt.substring(0, Math.min(bytes, prompt.length())));
            }
        };
    }

    private static final AffinitySource NONE = request(null, null);

    @Test
    void weightsAreSpreadSmoothlyAsNginxDoes() {
        assertEquals(List.of(a, a, b, a, c, a, a), WeightedRoundRobin.smoothOrder(endpoints, List.of(5, 1, 1)));
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.WEIGHTED, List.of(3, 1, 1)),
                endpoints);
        final Map<UpstreamEndpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            counts.merge(selector.select(NONE, List.of()), 1, Integer::sum);
        }
        assertEquals(Map.of(a, 3000, b, 1000, c, 1000), counts);
    }

    @Test
    void roundRobinTakesTurnsAndPassesOverFailedEndpoints() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.ROUND_ROBIN, List.of()),
                endpoints);
        final List<UpstreamEndpoint> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.add(selector.select(NONE, List.of()));
        }
        assertEquals(List.of(a, b, c, a, b, c), picked);
        for (int i = 0; i < 6; i++) {
            assertEquals(c, selector.select(NONE, List.of(a, b)));
        }
        assertTrue(endpoints.contains(selector.select(NONE, endpoints)), "with every endpoint failed, one is tried");
    }

    @Test
    void theShareOfAnEndpointOutOfRotationSpreadsOverTheOthers() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.ROUND_ROBIN, List.of()),
                endpoints);
        a.stats().takeOut(io.sluice.gateway.upstream.EndpointStats.Out.COOLING, System.nanoTime() + 60_000_000_000L);
        final Map<UpstreamEndpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(selector.select(NONE, List.of()), 1, Integer::sum);
        }
        assertEquals(Map.of(b, 1500, c, 1500), counts, "evenly, not all to its neighbour in the order");
    }

    @Test
    void leastConnectionsTakesTheEndpointWithFewestInFlight() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.LEAST_CONNECTIONS, List.of()),
                endpoints);
        a.stats().started();
        a.stats().started();
        c.stats().started();
        for (int i = 0; i < 5; i++) {
            assertEquals(b, selector.select(NONE, List.of()));
        }
        assertEquals(c, selector.select(NONE, List.of(b)));
        final Set<UpstreamEndpoint> quiet = new HashSet<>();
        b.stats().started();
        c.stats().started();
        c.stats().finished();
        c.stats().finished();
        b.stats().finished();
        a.stats().finished();
        a.stats().finished();
        for (int i = 0; i < 3; i++) {
            quiet.add(selector.select(NONE, List.of()));
        }
        assertEquals(Set.copyOf(endpoints), quiet, "among equals they take turns");
    }

    @Test
    void leastLoadedNeverTakesTheBusiestOfTwo() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.LEAST_LOADED, List.of()),
                endpoints);
        for (int i = 0; i < 10; i++) {
            c.stats().started();
        }
        b.stats().started();
        final Map<UpstreamEndpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(selector.select(NONE, List.of()), 1, Integer::sum);
        }
        assertEquals(null, counts.get(c), "c is the busier of any pair it is drawn in: " + counts);
        assertTrue(counts.get(a) > counts.get(b), counts.toString());
        assertEquals(a, selector.select(NONE, List.of(b, c)));
    }

    @Test
    void prefixAffinityKeepsAKeyOnOneEndpointAndSpreadsManyKeys() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.PREFIX_AFFINITY, List.of()),
                endpoints);
        final Map<UpstreamEndpoint, Integer> owners = new HashMap<>();
        for (int k = 0; k < 300; k++) {
            final AffinitySource conversation = request(null, "You are agent " + k + ". Answer briefly.");
            final UpstreamEndpoint owner = selector.select(conversation, List.of());
            for (int i = 0; i < 5; i++) {
                assertEquals(owner, selector.select(conversation, List.of()), "the same prefix, the same endpoint");
            }
            owners.merge(owner, 1, Integer::sum);
        }
        for (UpstreamEndpoint endpoint : endpoints) {
            assertTrue(owners.getOrDefault(endpoint, 0) > 50, "keys spread over the ring: " + owners);
        }
        // The session header wins over the prompt: one session, different prompts, one endpoint.
        final UpstreamEndpoint session = selector.select(request("s-1", "first"), List.of());
        assertEquals(session, selector.select(request("s-1", "second, longer and different"), List.of()));
    }

    @Test
    void prefixAffinityPassesOverAnOwnerLoadedBeyondItsShare() {
        final EndpointSelector selector = Balancers.of(balance(SluiceConfig.Strategy.PREFIX_AFFINITY, List.of()),
                endpoints);
        final AffinitySource hot = request(null, "the same long system prompt for everyone");
        final UpstreamEndpoint owner = selector.select(hot, List.of());
        for (int i = 0; i < 6; i++) {
            owner.stats().started();
        }
        // Capacity: ceil(1.25 * (6 + 1) / 3) = 3 in flight; the owner has 6.
        final UpstreamEndpoint overflow = selector.select(hot, List.of());
        assertNotEquals(owner, overflow);
        assertEquals(overflow, selector.select(hot, List.of()), "the overflow goes on along the ring, steadily");
        assertNotEquals(owner, selector.select(request(null, "x"), List.of(owner)), "a failed owner is passed over");
    }
}
