package io.sluice.gateway.snapshot;

import io.sluice.gateway.admission.AccessPolicy;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Router;

import java.time.Instant;

/**
 * Seam: {@code GatewaySnapshot} (DESIGN.md §2b). Everything a request decides by that a reload may change: the
 * routes with their providers, the keys and limits, the config they came from. Immutable; read once when a request's
 * head arrives (from {@link Snapshots#current()}), so a request in flight finishes on the snapshot it started with
 * while a reload swaps in the next one. What outlives snapshots (pools, endpoint stats and health, limiter buckets,
 * the usage pipeline, metrics) is in {@link io.sluice.gateway.proxy.ProxyServices}.
 *
 * @param version  counts the configs this process has run, from 1 at start-up
 * @param loadedAt when it became current
 */
public record GatewaySnapshot(long version, Instant loadedAt, SluiceConfig config, Router router,
                              AccessPolicy access) {
}
