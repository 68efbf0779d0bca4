package io.sluice.gateway.upstream;

/**
 * What a model server said of its own load at one moment, read from its metrics: requests it is running, requests
 * waiting in its queue for a slot, and how full its KV cache is (0 to 1). Immutable, so that a selector on any
 * event loop reads all three from one scrape.
 *
 * @param atNanos when it was read (System.nanoTime())
 */
public record ServerLoad(int running, int waiting, double kvCacheUsage, long atNanos) {
}
