package io.sluice.providers;

/**
 * What a kind of backend can do beyond its dialect's basics.
 *
 * @param usageInStreams whether a stream reports its usage when asked ({@code stream_options.include_usage})
 * @param continuation   how it goes on with a partial answer given as the final assistant message
 * @param loadMetrics    whether it publishes its queue and KV-cache use as Prometheus text at {@code /metrics}
 */
public record Capabilities(boolean usageInStreams, Continuation continuation, boolean loadMetrics) {
}
