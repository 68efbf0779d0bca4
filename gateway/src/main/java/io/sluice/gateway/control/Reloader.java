package io.sluice.gateway.control;

import io.netty.channel.EventLoopGroup;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.health.EndpointChecks;
import io.sluice.gateway.metrics.GatewayMetrics;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.snapshot.SnapshotBuilder;
import io.sluice.gateway.snapshot.Snapshots;
import io.sluice.gateway.upstream.EndpointRegistry;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Swaps one {@link GatewaySnapshot} for the next and brings the process-wide state along: a new snapshot is built
 * (endpoints it keeps keep their pools, stats and health) and made current atomically; requests in flight finish on
 * the one they started with; the pools of endpoints no longer named drain and close; the background checks and
 * health gauges follow the new providers. Fields that need a restart are left as they run and named. One reload at
 * a time, on the thread that asks (never an event loop).
 */
public final class Reloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    private final EventLoopGroup group;
    private final UpstreamPools pools;
    private final EndpointRegistry endpoints;
    private final SnapshotBuilder builder;
    private final Snapshots snapshots;
    private final GatewayMetrics metrics;
    private EndpointChecks checks;

    public Reloader(EventLoopGroup group, UpstreamPools pools, EndpointRegistry endpoints, SnapshotBuilder builder,
                    Snapshots snapshots, GatewayMetrics metrics) {
        this.group = group;
        this.pools = pools;
        this.endpoints = endpoints;
        this.builder = builder;
        this.snapshots = snapshots;
        this.metrics = metrics;
        metrics.watch(snapshots.current().router().providers());
        this.checks = new EndpointChecks(group, pools, snapshots.current().router().providers());
    }

    /** @throws io.sluice.gateway.config.ConfigException when the snapshot cannot be built; nothing changed then */
    public synchronized ReloadResult reload(SluiceConfig next) {
        final GatewaySnapshot running = snapshots.current();
        final GatewaySnapshot built;
        try {
            built = builder.build(next, running.version() + 1);
        } catch (RuntimeException e) {
            endpoints.keepOnly(endpointsOf(running));
            throw e;
        }
        snapshots.swap(built);
        checks.close();
        checks = new EndpointChecks(group, pools, built.router().providers());
        metrics.watch(built.router().providers());
        pools.retire(endpoints.keepOnly(endpointsOf(built)));
        final ReloadResult result = new ReloadResult(built.version(), RestartFields.between(running.config(), next));
        LOG.info("config version {} from {} is running; models: {}{}", built.version(), next.source(),
                String.join(", ", built.router().publicModels()), result.restartRequired().isEmpty() ? ""
                        : "; these changes wait for a restart: " + String.join(", ", result.restartRequired()));
        return result;
    }

    private static List<UpstreamEndpoint> endpointsOf(GatewaySnapshot snapshot) {
        return snapshot.router().providers().stream().flatMap(p -> p.endpoints().stream()).toList();
    }

    @Override
    public synchronized void close() {
        checks.close();
    }
}
