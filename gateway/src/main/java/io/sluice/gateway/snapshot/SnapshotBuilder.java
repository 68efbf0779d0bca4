package io.sluice.gateway.snapshot;

import io.sluice.gateway.admission.AccessPolicy;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.upstream.EndpointRegistry;
import io.sluice.providers.demo.Demo;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Makes a {@link GatewaySnapshot} from a checked config: providers over the registry's endpoints (known ones keep
 * their stats, health and pools), the routes, the access policy (whose token counters load their encodings here,
 * off the event loops). Used at start-up and by each reload, one at a time.
 */
public final class SnapshotBuilder {
    private final EndpointRegistry endpoints;
    private final Function<SluiceConfig.Provider, URI> demoUrl;

    /** @param demoUrl the URL of the built-in demo model for a demo provider, started when first needed */
    public SnapshotBuilder(EndpointRegistry endpoints, Function<SluiceConfig.Provider, URI> demoUrl) {
        this.endpoints = endpoints;
        this.demoUrl = demoUrl;
    }

    /** Throws {@link io.sluice.gateway.config.ConfigException} for what only building finds (a TLS file). */
    public GatewaySnapshot build(SluiceConfig config, long version) {
        final Map<String, Provider> providers = new LinkedHashMap<>();
        for (SluiceConfig.Provider provider : config.providers()) {
            final List<URI> urls = provider.type() == Demo.TYPE ? List.of(demoUrl.apply(provider))
                    : provider.endpoints();
            providers.put(provider.id(), new Provider(provider, endpoints.of(provider, urls)));
        }
        final Router router = new Router(config, providers);
        return new GatewaySnapshot(version, Instant.now(), config, router, new AccessPolicy(config, router.routes()));
    }
}
