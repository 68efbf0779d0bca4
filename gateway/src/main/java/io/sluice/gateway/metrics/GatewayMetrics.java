package io.sluice.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.gateway.proxy.ActiveRequests;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.gateway.usage.UsageSink;
import io.sluice.gateway.usage.WebhookSink;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Prometheus metrics of DESIGN.md §3, through Micrometer. They are computed from the usage records, on the
 * usage reporter's thread, so the event loops pay nothing for them; only the gauge of requests in flight reads
 * live state. Rendering a scrape runs on a thread of its own.
 *
 * <ul>
 *   <li>{@code llm_proxy_requests_total{endpoint,model,provider,status}}</li>
 *   <li>{@code llm_proxy_request_duration_seconds{endpoint,model,provider}} (histogram)</li>
 *   <li>{@code llm_proxy_active_requests}</li>
 *   <li>{@code llm_proxy_tokens_total{model,provider,type}}, type prompt, completion, cached or reasoning</li>
 *   <li>{@code llm_proxy_ttft_seconds{model,provider}} (histogram, streams)</li>
 *   <li>{@code llm_proxy_tokens_per_second{model,provider}} (completion tokens after the first, streams)</li>
 *   <li>{@code llm_proxy_provider_health{provider,endpoint}}: 1 while the endpoint is in rotation, 0 while it is
 *       ejected, cooling down or down (read from its live stats at scrape time)</li>
 *   <li>{@code llm_proxy_provider_latency_seconds{provider,endpoint}}: how long its last good health probe took
 *       (NaN before one)</li>
 * </ul>
 */
public final class GatewayMetrics implements UsageSink, AutoCloseable {
    private static final Duration MIN_LATENCY = Duration.ofMillis(1);
    private static final Duration MAX_LATENCY = Duration.ofMinutes(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Only the usage reporter's thread touches it. */
    private final Map<SeriesKey, SeriesMeters> series = new HashMap<>();
    private final ExecutorService scraper = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("sluice-metrics", true));

    /** The health gauges of each provider's endpoint, by provider id and endpoint URL. */
    private final Map<List<String>, EndpointGauges> healthGauges = new HashMap<>();

    private record EndpointGauges(UpstreamEndpoint endpoint, List<Meter> meters) {
    }

    public GatewayMetrics(ActiveRequests active) {
        Gauge.builder("llm.proxy.active.requests", active, ActiveRequests::size)
                .description("Requests in flight: HTTP exchanges and WebSocket requests")
                .register(registry);
    }

    /** Exports the usage webhook's delivery counts and spool size; nothing when {@code webhook} is null. */
    public void watch(WebhookSink webhook) {
        if (webhook == null) {
            return;
        }
        FunctionCounter.builder("llm.proxy.webhook.success", webhook, WebhookSink::successes)
                .description("Batches of usage records the webhook took").register(registry);
        FunctionCounter.builder("llm.proxy.webhook.failure", webhook, WebhookSink::failures)
                .description("POSTs of usage records that failed and will be tried again").register(registry);
        FunctionCounter.builder("llm.proxy.webhook.dropped", webhook, WebhookSink::dropped)
                .description("Usage records a full spool could not take").register(registry);
        Gauge.builder("llm.proxy.webhook.spooled.records", webhook, WebhookSink::spooledRecords)
                .description("Usage records in the spool, not yet delivered").register(registry);
        Gauge.builder("llm.proxy.webhook.spool.bytes", webhook, WebhookSink::spooledBytes)
                .description("Bytes of the spool's undelivered records").baseUnit("bytes").register(registry);
    }

    /**
     * Exports the health of every endpoint of {@code providers}; called again after a reload, it drops the gauges of
     * endpoints no provider has any more.
     */
    public synchronized void watch(List<Provider> providers) {
        final Map<List<String>, EndpointGauges> next = new HashMap<>();
        for (Provider provider : providers) {
            for (UpstreamEndpoint endpoint : provider.endpoints()) {
                final List<String> key = List.of(provider.id(), endpoint.url());
                final EndpointGauges kept = healthGauges.get(key);
                if (kept != null && kept.endpoint() == endpoint) {
                    next.put(key, healthGauges.remove(key));
                    continue;
                }
                if (kept != null) {
                    // The same URL, remade with other pool settings: its gauges must read the new stats.
                    kept.meters().forEach(registry::remove);
                    healthGauges.remove(key);
                }
                next.put(key, new EndpointGauges(endpoint, List.of(
                        Gauge.builder("llm.proxy.provider.health", endpoint,
                                        e -> e.stats().available(System.nanoTime()) ? 1 : 0)
                                .description("1 while the endpoint is in rotation, 0 while ejected, cooling down or "
                                        + "down")
                                .tags("provider", provider.id(), "endpoint", endpoint.url())
                                .register(registry),
                        Gauge.builder("llm.proxy.provider.latency", endpoint, e -> e.stats().probeLatencyNanos() < 0
                                        ? Double.NaN : e.stats().probeLatencyNanos() / 1e9)
                                .description("How long the endpoint's last good health probe took")
                                .baseUnit("seconds")
                                .tags("provider", provider.id(), "endpoint", endpoint.url())
                                .register(registry))));
            }
        }
        healthGauges.values().forEach(gauges -> gauges.meters().forEach(registry::remove));
        healthGauges.clear();
        healthGauges.putAll(next);
    }

    @Override
    public void accept(List<UsageRecord> batch) {
        for (UsageRecord r : batch) {
            series.computeIfAbsent(new SeriesKey(r.endpoint(), r.model(), r.provider()), SeriesMeters::new).record(r);
        }
    }

    private record SeriesKey(String endpoint, String model, String provider) {
    }

    /**
     * The meters of one endpoint, model and provider, found in the registry once: looking a meter up by its tags
     * costs more than recording to it, and the usage thread shares its core with the event loops.
     */
    private final class SeriesMeters {
        private final SeriesKey key;
        private final Map<Integer, Counter> requestsByStatus = new HashMap<>();
        private final Timer duration;
        private final Counter prompt;
        private final Counter completion;
        private final Counter cached;
        private final Counter reasoning;
        private Timer ttft; // these two once the series has a stream: a histogram nobody fills is noise
        private DistributionSummary tokensPerSecond;

        SeriesMeters(SeriesKey key) {
            this.key = key;
            duration = Timer.builder("llm.proxy.request.duration")
                    .description("From the request to the end of its response")
                    .tags("endpoint", key.endpoint(), "model", key.model(), "provider", key.provider())
                    .publishPercentileHistogram().minimumExpectedValue(MIN_LATENCY).maximumExpectedValue(MAX_LATENCY)
                    .register(registry);
            prompt = tokens("prompt");
            completion = tokens("completion");
            cached = tokens("cached");
            reasoning = tokens("reasoning");
        }

        private void registerStreamMeters() {
            ttft = Timer.builder("llm.proxy.ttft").description("From a stream's request to its first body byte")
                    .tags("model", key.model(), "provider", key.provider())
                    .publishPercentileHistogram().minimumExpectedValue(MIN_LATENCY).maximumExpectedValue(MAX_LATENCY)
                    .register(registry);
            tokensPerSecond = DistributionSummary.builder("llm.proxy.tokens.per.second")
                    .description("Completion tokens per second of a stream after its first token")
                    .tags("model", key.model(), "provider", key.provider())
                    .register(registry);
        }

        private Counter tokens(String type) {
            return Counter.builder("llm.proxy.tokens").description("Tokens, as the backends reported them")
                    .tags("model", key.model(), "provider", key.provider(), "type", type)
                    .register(registry);
        }

        private Counter requests(int status) {
            return Counter.builder("llm.proxy.requests").description("Requests, by outcome")
                    .tags("endpoint", key.endpoint(), "model", key.model(), "provider", key.provider(),
                            "status", Integer.toString(status))
                    .register(registry);
        }

        void record(UsageRecord r) {
            requestsByStatus.computeIfAbsent(r.status(), this::requests).increment();
            duration.record(millis(r.durationMs()));
            add(prompt, r.promptTokens());
            add(completion, r.completionTokens());
            add(cached, r.cachedTokens());
            add(reasoning, r.reasoningTokens());
            if (!r.stream() || r.ttftMs() < 0) {
                return;
            }
            if (ttft == null) {
                registerStreamMeters();
            }
            ttft.record(millis(r.ttftMs()));
            final double generating = (r.durationMs() - r.ttftMs()) / 1000.0;
            if (r.completionTokens() > 1 && generating > 0) {
                tokensPerSecond.record((r.completionTokens() - 1) / generating);
            }
        }
    }

    private static void add(Counter counter, long count) {
        if (count > 0) {
            counter.increment(count);
        }
    }

    private static Duration millis(double ms) {
        return Duration.ofNanos((long) (ms * 1_000_000));
    }

    /** The Prometheus text format, rendered off the event loops. */
    public CompletableFuture<String> scrape() {
        return CompletableFuture.supplyAsync(registry::scrape, scraper);
    }

    @Override
    public void close() {
        scraper.shutdown();
        registry.close();
    }
}
