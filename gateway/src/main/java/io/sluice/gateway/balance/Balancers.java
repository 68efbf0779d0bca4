package io.sluice.gateway.balance;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.Collections;
import java.util.List;

/** Makes the selector a provider's {@code balance} config names. */
public final class Balancers {
    private Balancers() {
    }

    public static EndpointSelector of(SluiceConfig.Balance balance, List<UpstreamEndpoint> endpoints) {
        return switch (balance.strategy()) {
            case ROUND_ROBIN -> new WeightedRoundRobin(endpoints, Collections.nCopies(endpoints.size(), 1));
            case WEIGHTED -> new WeightedRoundRobin(endpoints, balance.weights().isEmpty()
                    ? Collections.nCopies(endpoints.size(), 1) : balance.weights());
            case LEAST_CONNECTIONS -> new LeastConnections(endpoints);
            // A scraped load is trusted for three intervals: one missed scrape does not drop it.
            case LEAST_LOADED -> new PowerOfTwoChoices(endpoints, balance.metrics() == null ? 0
                    : balance.metrics().interval().toNanos() * 3);
            case PREFIX_AFFINITY -> new PrefixAffinity(endpoints, balance.sessionHeader(),
                    balance.prefixBytes(), balance.loadFactor());
        };
    }
}
