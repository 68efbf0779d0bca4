package io.sluice.gateway.proxy;

import io.sluice.gateway.admission.Admission;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.metrics.GatewayMetrics;
import io.sluice.gateway.snapshot.Snapshots;
import io.sluice.gateway.upstream.UpstreamPools;
import io.sluice.gateway.usage.TokenEstimates;
import io.sluice.gateway.usage.UsageReporter;

/**
 * Seam: process-wide state (DESIGN.md §2b), what every exchange shares for the life of the process: the current
 * {@link io.sluice.gateway.snapshot.GatewaySnapshot} (each request reads it once, at its head), the upstream pools,
 * the limiter buckets behind {@link Admission}, the usage queue, the requests in flight (for a graceful shutdown)
 * and the metrics; and the listener's settings, which a reload does not change: the request size limit, the
 * WebSocket settings, whose forwarding headers to believe and which response headers to relay.
 *
 * @param estimates the token counters for usage Sluice must estimate ({@code usage.estimate}, continued streams)
 */
public record ProxyServices(Snapshots snapshots, UpstreamPools pools, Admission admission, UsageReporter usage,
                            TokenEstimates estimates, long maxRequestBytes, SluiceConfig.WebSocket websocket,
                            ActiveRequests active, GatewayMetrics metrics, TrustedProxies trustedProxies,
                            RelayedHeaders relayedHeaders) {
}
