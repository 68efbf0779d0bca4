package io.sluice.gateway.routing;

import io.sluice.gateway.balance.AffinitySource;
import io.sluice.gateway.balance.Balancers;
import io.sluice.gateway.balance.EndpointSelector;
import io.sluice.gateway.balance.OutlierDetector;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.providers.Continuation;
import io.sluice.providers.ListedModel;
import io.sluice.providers.ProviderType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configured provider ready to take requests: its endpoints and the strategy that spreads attempts over them,
 * its limits, and the credential Sluice sends on the client's behalf, laid out as its {@link ProviderType} says.
 * Part of a snapshot; shared by all event loops.
 */
public final class Provider {
    private static final int MIN_MASKED = 8;

    private final String id;
    private final List<UpstreamEndpoint> endpoints;
    private final String apiKey;
    private final String apiVersion;
    private final List<Map.Entry<String, String>> upstreamHeaders;
    private final SluiceConfig.Timeouts timeouts;
    private final SluiceConfig.Pool pool;
    private final boolean includeUsage;
    private final Continuation continuation;
    private final EndpointSelector selector;
    private final OutlierDetector health;
    private final ProviderType type;
    private final SluiceConfig.Probe probe;
    private final SluiceConfig.Metrics loadMetrics;
    private final Duration listUpstream;
    /** The backend's own models by id, in its order, as last read; empty until read, kept when a read fails. */
    private volatile Map<String, ListedModel> upstreamModels = Map.of();

    public Provider(SluiceConfig.Provider config, List<UpstreamEndpoint> endpoints) {
        this.id = config.id();
        this.endpoints = List.copyOf(endpoints);
        this.apiKey = config.apiKey();
        this.apiVersion = config.apiVersion();
        final List<Map.Entry<String, String>> headers = new ArrayList<>(
                config.type().credentialHeaders(apiKey, apiVersion));
        headers.addAll(config.headers().entrySet());
        this.upstreamHeaders = List.copyOf(headers);
        this.timeouts = config.timeouts();
        this.pool = config.pool();
        this.includeUsage = config.includeUsage();
        this.continuation = config.continuation();
        this.selector = Balancers.of(config.balance(), this.endpoints);
        this.health = new OutlierDetector(this.endpoints, config.health());
        this.type = config.type();
        this.probe = config.health().probe();
        this.loadMetrics = config.balance().metrics();
        this.listUpstream = config.listUpstream();
    }

    public String id() {
        return id;
    }

    /** The endpoint the provider's strategy chooses, passing over those in {@code avoid} unless all are in it. */
    public UpstreamEndpoint selectEndpoint(AffinitySource affinity, List<UpstreamEndpoint> avoid) {
        return selector.select(affinity, avoid);
    }

    public ProviderType type() {
        return type;
    }

    /** How its backends go on with a partial answer, to continue a stream that broke elsewhere. */
    public Continuation continuation() {
        return continuation;
    }

    /** How its endpoints are probed. */
    public SluiceConfig.Probe probe() {
        return probe;
    }

    /** How its endpoints' own load is scraped, or null when it is not. */
    public SluiceConfig.Metrics loadMetrics() {
        return loadMetrics;
    }

    /** How often the backend's model list is read, or null when it is not. */
    public Duration listUpstream() {
        return listUpstream;
    }

    /**
     * The models the backend listed when last asked, by id in its order (written by the listing, read by every event
     * loop).
     */
    public Map<String, ListedModel> upstreamModels() {
        return upstreamModels;
    }

    public void upstreamModels(List<ListedModel> models) {
        final Map<String, ListedModel> byId = new LinkedHashMap<>();
        models.forEach(model -> byId.putIfAbsent(model.id(), model));
        this.upstreamModels = Collections.unmodifiableMap(byId);
    }

    /** Where attempts and probes report how each endpoint answered. */
    public OutlierDetector health() {
        return health;
    }

    public List<UpstreamEndpoint> endpoints() {
        return endpoints;
    }

    /**
     * The headers every request to the backend carries: the provider's key and API version as its kind sends them
     * ({@code Authorization: Bearer}, Azure's {@code api-key}, ...), and the provider's own {@code headers}.
     */
    public List<Map.Entry<String, String>> upstreamHeaders() {
        return upstreamHeaders;
    }

    /** The request target of an operation on {@code endpoint}, as the provider's kind lays it out. */
    public String requestPath(UpstreamEndpoint endpoint, String apiPath, String backendModel) {
        return type.requestPath(endpoint.basePath(), apiPath, backendModel, apiVersion);
    }

    /** The request target of {@code endpoint}'s model list. */
    public String modelListPath(UpstreamEndpoint endpoint) {
        return type.modelListPath(endpoint.basePath(), apiVersion);
    }

    /** What a health probe of {@code endpoint} asks for when the config names no path. */
    public String probePath(UpstreamEndpoint endpoint) {
        return type.healthPath() != null ? type.healthPath() : modelListPath(endpoint);
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

    /** Whether streams are made to report usage with {@code stream_options.include_usage}. */
    public boolean includeUsage() {
        return includeUsage;
    }
}
