package io.sluice.gateway.control;

import io.netty.channel.EventLoopGroup;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.demo.DemoModel;
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
 * the one they started with; the pools of endpoints no longer named drain and close; the demo model stops when no
 * provider names it (a config only checked leaves none behind); the background checks and health gauges follow the
 * new providers. Fields that need a restart are left as they run and named. One reload at
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
    private final LogLevels logLevels;
    private final SluiceConfig started;
    private final DemoModel demo;
    private EndpointChecks checks;

    public Reloader(EventLoopGroup group, UpstreamPools pools, EndpointRegistry endpoints, SnapshotBuilder builder,
                    Snapshots snapshots, GatewayMetrics metrics, LogLevels logLevels,
                    DemoModel demo) {
        this.group = group;
        this.pools = pools;
        this.endpoints = endpoints;
        this.builder = builder;
        this.snapshots = snapshots;
        this.metrics = metrics;
        this.logLevels = logLevels;
        this.started = snapshots.current().config();
        this.demo = demo;
        metrics.watch(snapshots.current().router().providers());
        this.checks = new EndpointChecks(group, pools, snapshots.current().router().providers());
    }

    /** Builds and applies {@code next}; see {@link #stage} and {@link #commit}. */
    public synchronized ReloadResult reload(SluiceConfig next) {
        return commit(stage(next));
    }

    /**
     * Builds the snapshot of {@code next} without applying it: whatever only building finds (a CA file that is no
     * certificate, a demo model that cannot start) fails here, before anything is written or swapped.
     *
     * @throws io.sluice.gateway.config.ConfigException when it cannot be built; nothing changed then
     */
    public synchronized GatewaySnapshot stage(SluiceConfig next) {
        final GatewaySnapshot running = snapshots.current();
        try {
            return builder.build(next, running.version() + 1);
        } catch (RuntimeException e) {
            discard();
            throw e;
        }
    }

    /** Forgets the endpoints a staged snapshot made that the running one does not use. */
    public synchronized void discard() {
        endpoints.keepOnly(endpointsOf(snapshots.current()));
        demo.keepFor(snapshots.current().config().providers());
    }

    /** Makes a staged snapshot the running one (changes are staged and committed by one thread, in turn). */
    public synchronized ReloadResult commit(GatewaySnapshot next) {
        snapshots.set(next);
        checks.close();
        checks = new EndpointChecks(group, pools, next.router().providers());
        metrics.watch(next.router().providers());
        logLevels.apply(next.config().logging());
        pools.retire(endpoints.keepOnly(endpointsOf(next)));
        demo.keepFor(next.config().providers());
        final ReloadResult result = new ReloadResult(next.version(),
                RestartFields.between(started, demo.settings(), next.config()));
        LOG.info("config version {} from {} is running; models: {}{}", next.version(), next.config().source(),
                String.join(", ", next.router().publicModels()), result.restartRequired().isEmpty() ? ""
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
