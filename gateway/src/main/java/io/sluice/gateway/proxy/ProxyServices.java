package io.sluice.gateway.proxy;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.metrics.GatewayMetrics;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.upstream.UpstreamPools;
import io.sluice.gateway.usage.UsageReporter;

/**
 * What every exchange shares: the routes, the upstream pools, the usage queue, the request size limit, the
 * WebSocket settings, the requests in flight (for a graceful shutdown), the metrics, whose forwarding headers to
 * believe and which response headers to relay.
 */
public record ProxyServices(Router router, UpstreamPools pools, UsageReporter usage, long maxRequestBytes,
                            SluiceConfig.WebSocket websocket, ActiveRequests active, GatewayMetrics metrics,
                            TrustedProxies trustedProxies, RelayedHeaders relayedHeaders) {
}
