package io.sluice.gateway.usage;

import java.time.Instant;

/**
 * What one request used, as delivered to the usage sinks (DESIGN.md §3). Never holds a key.
 *
 * @param keyId       the id of the client's API key, or null without authentication
 * @param userId      the user the key belongs to, or null
 * @param usageSource {@code upstream} when the backend reported the counts, {@code none} when it did not
 * @param ttftMs      milliseconds from the request's arrival to the first response body byte, or -1
 */
public record UsageRecord(String requestId, String keyId, String userId, String model, String backendModel,
                          String provider, String backendUrl, String endpoint, boolean stream, int status,
                          long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
                          long reasoningTokens, String usageSource, double ttftMs, double durationMs,
                          Instant timestamp) {
}
