package io.sluice.gateway.http;

import io.sluice.codec.usage.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code sluice.access} logger, as {@code key=value} pairs. It holds no body, no
 * header and no query string (where some APIs put keys); client-chosen values are cut short and stripped of
 * anything but printable ASCII so they cannot forge lines.
 */
public final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.access");
    private static final int MAX_VALUE = 128;

    private AccessLog() {
    }

    /**
     * @param ttfbNanos time to the first response byte, or a negative number when there was none
     * @param usage     the usage the response reported, or null
     */
    public static void log(String requestId, String method, String path, String model, String provider, int status,
                           long ttfbNanos, long durationNanos, long bytesIn, long bytesOut, Usage usage) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        final StringBuilder line = new StringBuilder(256)
                .append("rid=").append(requestId)
                .append(" method=").append(clean(method))
                .append(" path=").append(clean(path))
                .append(" model=").append(model == null ? "-" : clean(model))
                .append(" provider=").append(provider == null ? "-" : provider)
                .append(" status=").append(status)
                .append(" ttfb_ms=").append(ttfbNanos < 0 ? "-" : millis(ttfbNanos))
                .append(" duration_ms=").append(millis(durationNanos))
                .append(" bytes_in=").append(bytesIn)
                .append(" bytes_out=").append(bytesOut)
                .append(" tokens=");
        if (usage == null) {
            line.append('-');
        } else {
            line.append(usage.promptTokens()).append('/').append(usage.completionTokens()).append('/')
                    .append(usage.totalTokens());
        }
        LOG.info(line.toString());
    }

    /** Milliseconds with one decimal. */
    static String millis(long nanos) {
        final long tenths = Math.round(nanos / 100_000.0);
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
