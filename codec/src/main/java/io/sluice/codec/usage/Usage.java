package io.sluice.codec.usage;

/**
 * Token counts of one request as the backend reported them. A count the backend did not report is 0; the total
 * is the backend's, or prompt plus completion when it gave none.
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
                    long reasoningTokens) {
}
