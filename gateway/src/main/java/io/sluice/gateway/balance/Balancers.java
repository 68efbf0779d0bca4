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
            case LEAST_LOADED -> new PowerOfTwoChoices(endpoints);
            case PREFIX_AFFINITY -> new PrefixAffinity(endpoints, balance.sessionHeader(),
                    balance.prefixBytes(), balance.loadFactor());
        };
    }
}
