package io.sluice.gateway.routing;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A configured provider ready to take requests: its endpoints, limits, and the credential Sluice sends on the
 * client's behalf. Shared by all event loops.
 */
public final class Provider {
    private static final int MIN_MASKED = 8;

    private final String id;
    private final List<UpstreamEndpoint> endpoints;
    private final String apiKey;
    private final String authorization;
    private final SluiceConfig.Timeouts timeouts;
    private final SluiceConfig.Pool pool;
    private final boolean includeUsage;
    private final Map<String, String> models;
    private final AtomicInteger next = new AtomicInteger();

    public Provider(SluiceConfig.Provider config, List<UpstreamEndpoint> endpoints) {
        this.id = config.id();
        this.endpoints = List.copyOf(endpoints);
        this.apiKey = config.apiKey();
        this.authorization = apiKey == null ? null : "Bearer " + apiKey;
        this.timeouts = config.timeouts();
        this.pool = config.pool();
        this.includeUsage = config.includeUsage();
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(config.models()));
    }

    public String id() {
        return id;
    }

    /** The endpoints in turn, passing over those in {@code avoid} unless every endpoint is in it. */
    public UpstreamEndpoint nextEndpoint(List<UpstreamEndpoint> avoid) {
        final int first = next.getAndIncrement();
        for (int i = 0; i < endpoints.size(); i++) {
            final UpstreamEndpoint endpoint = endpoints.get(Math.floorMod(first + i, endpoints.size()));
            if (!avoid.contains(endpoint)) {
                return endpoint;
            }
        }
        return endpoints.get(Math.floorMod(first, endpoints.size()));
    }

    public int endpointCount() {
        return endpoints.size();
    }

    /** The {@code Authorization} value for the backend, or null when the provider has no key. */
    public String authorization() {
        return authorization;
    }

    /**
     * {@code text} with every occurrence of the provider's key replaced, for anything a client or a log sees. A key
     * shorter than {@value #MIN_MASKED} characters is a placeholder (vLLM's "EMPTY"), not a secret, and masking it
     * would garble ordinary words.
     */
    public String mask(String text) {
        return apiKey == null || apiKey.length() < MIN_MASKED || !text.contains(apiKey) ? text
                : text.replace(apiKey, "[redacted]");
    }

    public SluiceConfig.Timeouts timeouts() {
        return timeouts;
    }

    public SluiceConfig.Pool pool() {
        return pool;
    }

    /** Public model name to the backend's model name. */
    public Map<String, String> models() {
        return models;
    }

    /** Whether streams are made to report usage with {@code stream_options.include_usage}. */
    public boolean includeUsage() {
        return includeUsage;
    }
}
