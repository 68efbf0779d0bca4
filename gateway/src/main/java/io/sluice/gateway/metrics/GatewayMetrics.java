package io.sluice.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.SystemPropertyUtil;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

/**
 * The Prometheus metrics of DESIGN.md §3, through Micrometer. They are computed from the usage records, on the
 * usage reporter's thread, so the event loops pay nothing for them; the gauges read live state at scrape time, and
 * a request refused before it was routed (which has no usage record) costs its event loop one counter increment.
 * Rendering a scrape runs on a thread of its own.
 *
 * <ul>
 *   <li>{@code llm_proxy_requests_total{endpoint,model,provider,status}}</li>
 *   <li>{@code llm_proxy_rejected_requests_total{endpoint,status}}: refused before routing (malformed, unknown
 *       path or model, unauthenticated, over a limit)</li>
 *   <li>{@code llm_proxy_request_duration_seconds{endpoint,model,provider}} (histogram, 50 ms to 30 min)</li>
 *   <li>{@code llm_proxy_active_requests}</li>
 *   <li>{@code llm_proxy_tokens_total{model,provider,type}}, type prompt, completion, cached or reasoning</li>
 *   <li>{@code llm_proxy_ttft_seconds{model,provider}} (histogram, 10 ms to 60 s, streams)</li>
 *   <li>{@code llm_proxy_tokens_per_second{model,provider}} (histogram of completion tokens after the first,
 *       streams)</li>
 *   <li>{@code llm_proxy_provider_health{provider,endpoint}}: 1 while the endpoint is in rotation, 0 while it is
 *       ejected, cooling down or down (read from its live stats at scrape time)</li>
 *   <li>{@code llm_proxy_provider_latency_seconds{provider,endpoint}}: how long its last good health probe took
 *       (NaN before one)</li>
 *   <li>{@code llm_proxy_webhook_success_total{sink}}, {@code _failure_total}, {@code _dropped_total},
 *       {@code llm_proxy_webhook_spooled_records{sink}}, {@code llm_proxy_webhook_spool_bytes{sink}}</li>
 *   <li>the JVM's memory, collector, threads, classes, CPU and file descriptors (Micrometer's binders); Netty's
 *       allocator ({@code netty_allocator_*}, without {@code netty_allocator_memory_pinned} where the allocator does
 *       not count it) and, where Netty allocates direct memory without the JVM's cleaner
 *       (so that {@code jvm_buffer_*} miss it), {@code netty_direct_memory_used_bytes}</li>
 * </ul>
 */
public final class GatewayMetrics implements UsageSink, AutoCloseable {
    /** Time to first token: a cached prompt on a near GPU to a long queue on a busy farm. */
    private static final Duration[] TTFT_BUCKETS = seconds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30,
            60);
    /** Whole requests: an embedding to a long reasoning stream. */
    private static final Duration[] DURATION_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
            600, 1200, 1800);
    private static final double[] TOKEN_RATE_BUCKETS = {1, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000};

    /** Netty's setting for whether the pooled allocator counts the bytes its buffers hold. */
    public static final String NETTY_TRACKS_PINNED_MEMORY = "io.netty.trackPinnedMemory";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    /** Requests refused before routing, by endpoint and status; counted on the event loops. */
    private final Map<Refusal, Counter> refusals = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> continuations = new ConcurrentHashMap<>();
    /** Only the usage reporter's thread touches it. */
    private final Map<SeriesKey, SeriesMeters> series = new HashMap<>();
    private final ExecutorService scraper = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("sluice-metrics", true));

    /** The health gauges of each provider's endpoint, by provider id and endpoint URL. */
    private final Map<List<String>, EndpointGauges> healthGauges = new HashMap<>();

    private record EndpointGauges(UpstreamEndpoint endpoint, List<Meter> meters) {
    }

    /**
     * @param inFlight  the requests in flight, HTTP exchanges and WebSocket requests
     * @param allocator the allocator the event loops use, whose memory is exported
     */
    public GatewayMetrics(IntSupplier inFlight, ByteBufAllocator allocator) {
        if (!SystemPropertyUtil.getBoolean(NETTY_TRACKS_PINNED_MEMORY, true)) {
            // The pool does not count what its buffers hold (Main turns that off): the gauge of it would say 0. A
            // filter must come before the first meter.
            registry.config().meterFilter(MeterFilter.denyNameStartsWith("netty.allocator.memory.pinned"));
        }
        // Held strongly: a gauge keeps only a weak reference to its object, and nothing else holds this lambda.
        Gauge.builder("llm.proxy.active.requests", inFlight, IntSupplier::getAsInt).strongReference(true)
                .description("Requests in flight: HTTP exchanges and WebSocket requests")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
            new NettyAllocatorMetrics(provider).bindTo(registry);
        }
        if (PlatformDependent.usedDirectMemory() >= 0) {
            // Netty counts the direct memory it allocates without the JVM's cleaner, which jvm_buffer_* miss.
            Gauge.builder("netty.direct.memory.used", () -> PlatformDependent.usedDirectMemory())
                    .description("Direct memory Netty allocated outside the JVM's buffer pools").baseUnit("bytes")
                    .register(registry);
            Gauge.builder("netty.direct.memory.max", () -> PlatformDependent.maxDirectMemory())
                    .description("The most direct memory Netty may allocate").baseUnit("bytes")
                    .register(registry);
        }
    }

    /** Exports a usage webhook's delivery counts and spool size, labelled with its name. */
    public void watch(WebhookSink webhook) {
        final String sink = webhook.name();
        FunctionCounter.builder("llm.proxy.webhook.success", webhook, WebhookSink::successes).tag("sink", sink)
                .description("Batches of usage records the webhook took").register(registry);
        FunctionCounter.builder("llm.proxy.webhook.failure", webhook, WebhookSink::failures).tag("sink", sink)
                .description("POSTs of usage records that failed and will be tried again").register(registry);
        FunctionCounter.builder("llm.proxy.webhook.dropped", webhook, WebhookSink::dropped).tag("sink", sink)
                .description("Usage records a full spool could not take").register(registry);
        Gauge.builder("llm.proxy.webhook.spooled.records", webhook, WebhookSink::spooledRecords).tag("sink", sink)
                .description("Usage records in the spool, not yet delivered").register(registry);
        Gauge.builder("llm.proxy.webhook.spool.bytes", webhook, WebhookSink::spooledBytes).tag("sink", sink)
                .description("Bytes of the spool's undelivered records").baseUnit("bytes").register(registry);
    }

    /**
     * Counts a request refused before it was routed; called on event loops.
     *
     * @param endpoint one of a bounded set of names (an API path the gateway serves, {@code other} for a path it
     *                 does not, {@code -} for a request too malformed to have one): a client must not be able to
     *                 make series
     */
    public void refused(String endpoint, int status) {
        refusals.computeIfAbsent(new Refusal(endpoint, status), this::refusalCounter).increment();
    }

    private record Refusal(String endpoint, int status) {
    }

    /**
     * Counts one step of continuing a broken stream; called on event loops.
     *
     * @param provider the provider asked to continue it ({@code impossible}: the one whose stream broke)
     * @param outcome  {@code resumed} (its stream started), {@code refused} (an error status, or an answer that is
     *                 not a stream), {@code failed} (no answer), {@code impossible} (nothing could continue it: what
     *                 the client was shown, no target able to, no attempt left)
     */
    public void continuation(String provider, String outcome) {
        continuations.computeIfAbsent(List.of(provider, outcome), key -> Counter.builder(
                        "llm.proxy.stream.continuations")
                .description("Streams broken after their first byte, and the attempts to continue them elsewhere")
                .tags("provider", key.get(0), "outcome", key.get(1)).register(registry)).increment();
    }

    private Counter refusalCounter(Refusal refusal) {
        return Counter.builder("llm.proxy.rejected.requests")
                .description("Requests refused before they were routed to a provider")
                .tags("endpoint", refusal.endpoint(), "status", Integer.toString(refusal.status()))
                .register(registry);
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
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(registry);
            prompt = tokens("prompt");
            completion = tokens("completion");
            cached = tokens("cached");
            reasoning = tokens("reasoning");
        }

        private void registerStreamMeters() {
            ttft = Timer.builder("llm.proxy.ttft").description("From a stream's request to its first body byte")
                    .tags("model", key.model(), "provider", key.provider())
                    .serviceLevelObjectives(TTFT_BUCKETS)
                    .register(registry);
            tokensPerSecond = DistributionSummary.builder("llm.proxy.tokens.per.second")
                    .description("Completion tokens per second of a stream after its first token")
                    .tags("model", key.model(), "provider", key.provider())
                    .serviceLevelObjectives(TOKEN_RATE_BUCKETS)
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

    private static Duration[] seconds(double... bounds) {
        final Duration[] durations = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            durations[i] = Duration.ofNanos((long) (bounds[i] * 1e9));
        }
        return durations;
    }

    /** The Prometheus text format, rendered off the event loops. */
    public CompletableFuture<String> scrape() {
        return CompletableFuture.supplyAsync(registry::scrape, scraper);
    }

    @Override
    public void close() {
        scraper.shutdown();
        gcMetrics.close();
        registry.close();
    }
}
