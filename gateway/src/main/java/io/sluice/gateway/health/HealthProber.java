package io.sluice.gateway.health;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Active health: every endpoint of every provider whose probes are enabled is probed at its interval, each by a
 * {@link Probe} on one event loop (spread over the loops), never inside a request and never costing tokens. The
 * outcomes go to the provider's {@link io.sluice.gateway.balance.OutlierDetector}. The first probe of each
 * endpoint runs at a random point of the first interval, so that a farm is not probed all at once.
 */
public final class HealthProber implements AutoCloseable {
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();

    public HealthProber(EventLoopGroup group, UpstreamPools pools, List<Provider> providers) {
        for (Provider provider : providers) {
            final SluiceConfig.Probe config = provider.probe();
            if (!config.enabled()) {
                continue;
            }
            for (UpstreamEndpoint endpoint : provider.endpoints()) {
                final EventLoop loop = group.next();
                final long interval = config.interval().toNanos();
                schedules.add(loop.scheduleWithFixedDelay(new Probe(loop, pools, provider, endpoint, config),
                        ThreadLocalRandom.current().nextLong(interval), interval, TimeUnit.NANOSECONDS));
            }
        }
    }

    @Override
    public void close() {
        schedules.forEach(schedule -> schedule.cancel(false));
    }
}
