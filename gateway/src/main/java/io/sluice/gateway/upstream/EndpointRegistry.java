package io.sluice.gateway.upstream;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.SluiceConfig;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Seam: process-wide state (DESIGN.md §2b). Every {@link UpstreamEndpoint}, one per value: its URL and what its
 * pools are built from (TLS trust, pool limits, connect timeout). A config that names an endpoint already known
 * gets the same object, with its stats, health and pools; two providers naming one server share them. Used by the
 * thread that starts or reloads the gateway, one at a time.
 */
public final class EndpointRegistry {
    private record Key(String url, boolean verify, Path ca, SluiceConfig.Pool pool, Duration connect) {
    }

    private final Map<Key, UpstreamEndpoint> endpoints = new HashMap<>();

    /** The endpoints of {@code provider} at {@code urls}, made when first named. */
    public synchronized List<UpstreamEndpoint> of(SluiceConfig.Provider provider, List<URI> urls) {
        final List<UpstreamEndpoint> out = new ArrayList<>(urls.size());
        SslContext tls = null;
        for (URI url : urls) {
            final boolean https = UpstreamEndpoint.isHttps(url);
            final Key key = new Key(UpstreamEndpoint.canonical(url), provider.tls().verify(), provider.tls().ca(), provider.pool(),
                    provider.timeouts().connect());
            UpstreamEndpoint endpoint = endpoints.get(key);
            if (endpoint == null) {
                if (https && tls == null) {
                    tls = clientTls(provider);
                }
                endpoint = new UpstreamEndpoint(url, https ? tls : null);
                endpoints.put(key, endpoint);
            }
            out.add(endpoint);
        }
        return out;
    }

    /** Forgets and retires every endpoint not in {@code live}, and returns them. */
    public synchronized List<UpstreamEndpoint> keepOnly(Collection<UpstreamEndpoint> live) {
        final Set<UpstreamEndpoint> kept = new HashSet<>(live);
        final List<UpstreamEndpoint> removed = new ArrayList<>();
        endpoints.values().removeIf(endpoint -> {
            if (kept.contains(endpoint)) {
                return false;
            }
            endpoint.retire();
            removed.add(endpoint);
            return true;
        });
        return removed;
    }

    private static SslContext clientTls(SluiceConfig.Provider provider) {
        final SslContextBuilder builder = SslContextBuilder.forClient();
        try {
            if (!provider.tls().verify()) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else if (provider.tls().ca() != null) {
                // Read now: a file that holds no certificate is a config error, not a failure at the first request.
                builder.trustManager(provider.tls().ca().toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("providers." + provider.id() + ".tls: " + e.getMessage());
        }
    }
}
