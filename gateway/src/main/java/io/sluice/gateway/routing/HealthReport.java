package io.sluice.gateway.routing;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;
import io.sluice.gateway.upstream.EndpointStats;
import io.sluice.gateway.upstream.ServerLoad;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code GET /health/detailed} (seed 003): every provider and endpoint with its state ({@code up},
 * {@code ejected} after failures, {@code cooling} after a Retry-After, {@code down} after failed probes), attempts
 * in flight, failures in a row, ejections, the last good probe's latency, the last failure and when, and, where
 * the endpoint's metrics are scraped, the load it last reported ({@code server_load}: running, waiting, KV-cache
 * usage, and how old the reading is).
 * {@code status} is {@code degraded} while some endpoint is out of rotation. Rendered on request from the live
 * {@link EndpointStats}; no key or request byte is in it.
 */
public final class HealthReport {
    private HealthReport() {
    }

    /** @param usage what writes the usage pipeline's fields of the report, or null when it has none to tell */
    public static byte[] render(List<Provider> providers, Json.Document usage) {
        final long now = System.nanoTime();
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("status", providers.stream().allMatch(p -> p.endpoints().stream()
                    .allMatch(e -> e.stats().available(now))) ? "ok" : "degraded");
            g.writeArrayFieldStart("providers");
            for (Provider provider : providers) {
                g.writeStartObject();
                g.writeStringField("id", provider.id());
                g.writeArrayFieldStart("endpoints");
                for (UpstreamEndpoint endpoint : provider.endpoints()) {
                    endpoint(g, endpoint, now);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            if (usage != null) {
                g.writeObjectFieldStart("usage");
                usage.write(g);
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    private static void endpoint(JsonGenerator g, UpstreamEndpoint endpoint, long now) throws IOException {
        final EndpointStats stats = endpoint.stats();
        final EndpointStats.Out out = stats.out(now);
        g.writeStartObject();
        g.writeStringField("url", endpoint.url());
        g.writeStringField("state", out == EndpointStats.Out.NONE ? "up" : out.name().toLowerCase(Locale.ROOT));
        g.writeNumberField("in_flight", stats.inFlight());
        g.writeNumberField("failures_in_a_row", stats.failuresInARow());
        g.writeNumberField("ejections", stats.ejections());
        if (stats.probeLatencyNanos() >= 0) {
            g.writeNumberField("probe_latency_ms", Math.round(stats.probeLatencyNanos() / 1_000.0) / 1_000.0);
        } else {
            g.writeNullField("probe_latency_ms");
        }
        g.writeStringField("last_error", stats.lastError());
        if (stats.lastErrorMillis() > 0) {
            g.writeStringField("last_error_at", Instant.ofEpochMilli(stats.lastErrorMillis()).toString());
        } else {
            g.writeNullField("last_error_at");
        }
        final ServerLoad load = stats.serverLoad();
        if (load != null) {
            g.writeObjectFieldStart("server_load");
            g.writeNumberField("running", load.running());
            g.writeNumberField("waiting", load.waiting());
            g.writeNumberField("kv_cache_usage", load.kvCacheUsage());
            g.writeNumberField("age_ms", (now - load.atNanos()) / 1_000_000);
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
