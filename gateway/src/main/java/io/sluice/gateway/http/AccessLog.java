package io.sluice.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;
import io.sluice.codec.usage.Usage;
import io.sluice.gateway.config.SluiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One line per request on the {@code sluice.access} logger: {@code key=value} pairs, or a JSON object with
 * {@code logging.access_log: json}. It holds no body, no header and no query string (where some APIs put keys);
 * client-chosen values are cut short and stripped of anything but printable ASCII so they cannot forge lines.
 * Written on the request's event loop; the appender is asynchronous.
 */
public final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.access");
    private static final int MAX_VALUE = 128;

    /** The line's shape, process-wide: the logging section of the config sets it. */
    private static volatile SluiceConfig.AccessFormat format = SluiceConfig.AccessFormat.TEXT;

    /**
     * What one request's line says.
     *
     * @param traceId       its W3C trace id, or null for a request refused before it had one
     * @param model         the model the client asked for, or null
     * @param provider      the provider that answered last, or null when none was tried
     * @param upstreamNanos the provider's latency: from sending the request to the response head, or -1
     * @param ttftNanos     from the request's arrival to the first byte of the response body, or -1
     * @param usage         the usage of the answer, or null
     * @param usageSource   {@code upstream}, {@code estimated} or {@code none}
     * @param tokensPerSecond completion tokens per second after the first, for a stream; negative when unknown
     */
    public record Line(String requestId, String traceId, String method, String path, String model, String provider,
                       int status, long upstreamNanos, long ttftNanos, long durationNanos, long bytesIn,
                       long bytesOut, Usage usage, String usageSource, double tokensPerSecond) {
    }

    private AccessLog() {
    }

    public static void format(SluiceConfig.AccessFormat next) {
        format = next;
    }

    /** A request answered by Sluice itself, or refused before it was routed. */
    public static void local(String requestId, String method, String path, int status, long durationNanos,
                             long bytesIn, long bytesOut) {
        if (LOG.isInfoEnabled()) {
            log(new Line(requestId, null, method, path, null, null, status, -1, -1, durationNanos, bytesIn, bytesOut,
                    null, "none", -1));
        }
    }

    public static boolean enabled() {
        return LOG.isInfoEnabled();
    }

    public static void log(Line line) {
        if (LOG.isInfoEnabled()) {
            LOG.info(format == SluiceConfig.AccessFormat.JSON ? json(line) : text(line));
        }
    }

    static String text(Line l) {
        final StringBuilder line = new StringBuilder(256)
                .append("rid=").append(l.requestId())
                .append(" trace=").append(l.traceId() == null ? "-" : l.traceId())
                .append(" method=").append(clean(l.method()))
                .append(" path=").append(clean(l.path()))
                .append(" model=").append(l.model() == null ? "-" : clean(l.model()))
                .append(" provider=").append(l.provider() == null ? "-" : l.provider())
                .append(" status=").append(l.status())
                .append(" upstream_ms=").append(l.upstreamNanos() < 0 ? "-" : millis(l.upstreamNanos()))
                .append(" ttft_ms=").append(l.ttftNanos() < 0 ? "-" : millis(l.ttftNanos()))
                .append(" duration_ms=").append(millis(l.durationNanos()))
                .append(" bytes_in=").append(l.bytesIn())
                .append(" bytes_out=").append(l.bytesOut())
                .append(" tokens=");
        final Usage usage = l.usage();
        if (usage == null) {
            line.append('-');
        } else {
            line.append(usage.promptTokens()).append('/').append(usage.completionTokens()).append('/')
                    .append(usage.totalTokens());
        }
        line.append(" usage=").append(l.usageSource())
                .append(" tps=").append(l.tokensPerSecond() < 0 ? "-" : tenths(l.tokensPerSecond()));
        return line.toString();
    }

    static String json(Line l) {
        return new String(Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("rid", l.requestId());
            g.writeStringField("trace_id", l.traceId());
            g.writeStringField("method", clean(l.method()));
            g.writeStringField("path", clean(l.path()));
            g.writeStringField("model", l.model() == null ? null : clean(l.model()));
            g.writeStringField("provider", l.provider());
            g.writeNumberField("status", l.status());
            millisField(g, "upstream_ms", l.upstreamNanos());
            millisField(g, "ttft_ms", l.ttftNanos());
            millisField(g, "duration_ms", l.durationNanos());
            g.writeNumberField("bytes_in", l.bytesIn());
            g.writeNumberField("bytes_out", l.bytesOut());
            if (l.usage() != null) {
                g.writeNumberField("prompt_tokens", l.usage().promptTokens());
                g.writeNumberField("completion_tokens", l.usage().completionTokens());
                g.writeNumberField("total_tokens", l.usage().totalTokens());
            }
            g.writeStringField("usage_source", l.usageSource());
            if (l.tokensPerSecond() >= 0) {
                g.writeNumberField("tokens_per_second", Math.round(l.tokensPerSecond() * 10) / 10.0);
            }
            g.writeEndObject();
        }), StandardCharsets.UTF_8);
    }

    private static void millisField(JsonGenerator g, String name, long nanos) throws IOException {
        if (nanos >= 0) {
            g.writeNumberField(name, Math.round(nanos / 100_000.0) / 10.0);
        } else {
            g.writeNullField(name);
        }
    }

    /** Milliseconds with one decimal. */
    static String millis(long nanos) {
        return tenths(nanos / 1_000_000.0);
    }

    private static String tenths(double value) {
        final long tenths = Math.round(value * 10);
        return (tenths / 10) + "." + (tenths % 10);
    }

    static String clean(String value) {
        final int length = Math.min(value.length(), MAX_VALUE);
        final StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            final char c = value.charAt(i);
            out.append(c > ' ' && c < 127 ? c : '_');
        }
        return out.toString();
    }
}
