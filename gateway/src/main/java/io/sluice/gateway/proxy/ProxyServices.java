package io.sluice.gateway.proxy;

import io.sluice.gateway.routing.Router;
import io.sluice.gateway.upstream.UpstreamPools;
import io.sluice.gateway.usage.UsageReporter;

/** What every exchange shares: the routes, the upstream pools, the usage queue and the request size limit. */
public record ProxyServices(Router router, UpstreamPools pools, UsageReporter usage, long maxRequestBytes) {
}
