package io.sluice.gateway.admission;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code x-ratelimit-*} headers as OpenAI sends them: the limit, what remains, and how long until the bucket is
 * full again, written {@code 250ms}, {@code 1.5s} or {@code 6m0s}. Stateless.
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    /** The trio for {@code kind} ({@code requests} or {@code tokens}) from {@code bucket}, if there is one. */
    static void add(List<Map.Entry<String, String>> headers, String kind, TokenBucket bucket) {
        if (bucket == null) {
            return;
        }
        headers.add(Map.entry("x-ratelimit-limit-" + kind, Long.toString(bucket.capacity())));
        headers.add(Map.entry("x-ratelimit-remaining-" + kind, Long.toString(bucket.remaining())));
        headers.add(Map.entry("x-ratelimit-reset-" + kind, duration(bucket.nanosUntilFull())));
    }

    static String duration(long nanos) {
        final long millis = TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            final String seconds = String.format(java.util.Locale.ROOT, "%.3f", millis / 1000.0)
                    .replaceAll("0+$", "").replaceAll("\\.$", "");
            return seconds + "s";
        }
        final long seconds = millis / 1000;
        final long hours = seconds / 3600;
        return (hours > 0 ? hours + "h" : "") + (seconds % 3600) / 60 + "m" + seconds % 60 + "s";
    }
}
