package io.sluice.gateway.config;

import java.time.Duration;

/** Durations written the way the config takes them ({@code 300ms}, {@code 2s}, {@code 5m}), for messages. */
public final class Durations {
    private Durations() {
    }

    public static String format(Duration duration) {
        final long millis = duration.toMillis();
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
