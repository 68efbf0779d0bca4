package io.sluice.gateway.usage;

import java.time.Instant;
import java.util.List;

/**
 * What one request used, as delivered to the usage sinks (DESIGN.md §3). Never holds a key.
 *
 * @param keyId       the id of the client's API key, or null without authentication
 * @param userId      the user the key belongs to, or null
 * @param usageSource {@code upstream} when the backend reported the counts, {@code none} when it did not
 * @param ttftMs      milliseconds from the request's arrival to the first response body byte, or -1
 * @param attempts    every attempt made on a backend, in order; the last is the one the fields above name
 */
public record UsageRecord(String requestId, String keyId, String userId, String model, String backendModel,
                          String provider, String backendUrl, String endpoint, boolean stream, int status,
                          long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
                          long reasoningTokens, String usageSource, double ttftMs, double durationMs,
                          Instant timestamp, List<Attempt> attempts) {
    /**
     * One try on one backend.
     *
     * @param outcome the status it answered with, or how it failed without one: {@code connect}, {@code reset},
     *                {@code timeout}
     */
    public record Attempt(String provider, String backendModel, String backendUrl, String outcome) {
    }
}
