package io.sluice.gateway.usage;

import java.time.Instant;
import java.util.List;

/**
 * What one request used, as delivered to the usage sinks (DESIGN.md §3). Never holds a key.
 *
 * @param traceId     the W3C trace id the request was part of (the client's, or one Sluice started)
 * @param keyId       the id of the client's API key, or null without authentication
 * @param userId      the user the key belongs to, or null
 * @param usageSource {@code upstream} when the backend reported the counts; when it did not, {@code estimated}
 *                    (jtokkit's count, with {@code usage.estimate}) or {@code none}
 * @param ttftMs      milliseconds from the request's arrival to the first response body byte, or -1
 * @param attempts    every attempt made on a backend, in order; the last is the one the fields above name
 */
public record UsageRecord(String requestId, String traceId, String keyId, String userId, String model, String backendModel,
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
    public record Attempt(String provider, String backendModel, String backendUrl, String outcome, Leg leg) {
        /** An attempt that streamed nothing to the client. */
        public Attempt(String provider, String backendModel, String backendUrl, String outcome) {
            this(provider, backendModel, backendUrl, outcome, null);
        }

        /** This attempt with the tokens of the part of the answer it streamed. */
        public Attempt withLeg(Leg tokens) {
            return new Attempt(provider, backendModel, backendUrl, outcome, tokens);
        }
    }

    /**
     * The tokens of one leg of a stream that broke and went on on another backend: what the backend that streamed
     * that part reported, or Sluice's jtokkit count where it reported none ({@code usage_source: estimated}).
     */
    public record Leg(long promptTokens, long completionTokens, String usageSource) {
    }
}
