package io.sluice.gateway.health;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The background checks of every endpoint, never inside a request and never costing tokens: health probes, whose
 * outcomes go to the provider's {@link io.sluice.gateway.balance.OutlierDetector}, and, for {@code least_loaded}
 * providers that read them, load scrapes; and the model lists of {@code list_upstream} providers. Each check runs at its interval on one event loop (spread over the loops;
 * scraped text is parsed on a thread of its own), its first run at a random point of the first interval, so that a
 * farm is not probed all at once.
 */
public final class EndpointChecks implements AutoCloseable {
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
    /** Made only when some provider scrapes. */
    private ExecutorService parser;

    public EndpointChecks(EventLoopGroup group, UpstreamPools pools, List<Provider> providers) {
        for (Provider provider : providers) {
            if (provider.listUpstream() != null) {
                final EventLoop loop = group.next();
                // Read at once: until it is, the provider's own models are not served.
                final long interval = provider.listUpstream().toNanos();
                schedules.add(loop.scheduleWithFixedDelay(new ModelListing(loop, pools, provider, parser()), 0,
                        interval, TimeUnit.NANOSECONDS));
            }
            final SluiceConfig.Probe probe = provider.probe();
            final SluiceConfig.Metrics metrics = provider.loadMetrics();
            for (UpstreamEndpoint endpoint : provider.endpoints()) {
                if (probe.enabled()) {
                    final EventLoop loop = group.next();
                    schedule(loop, new Probe(loop, pools, provider, endpoint, probe), probe.interval());
                }
                if (metrics != null) {
                    final EventLoop loop = group.next();
                    schedule(loop, new LoadScrape(loop, pools, provider, endpoint, metrics, parser()),
                            metrics.interval());
                }
            }
        }
    }

    private void schedule(EventLoop loop, Runnable check, Duration every) {
        final long interval = every.toNanos();
        schedules.add(loop.scheduleWithFixedDelay(check, ThreadLocalRandom.current().nextLong(interval), interval,
                TimeUnit.NANOSECONDS));
    }

    private ExecutorService parser() {
        if (parser == null) {
            parser = Executors.newSingleThreadExecutor(task -> {
                final Thread thread = new Thread(task, "sluice-load-scrape");
                thread.setDaemon(true);
                return thread;
            });
        }
        return parser;
    }

    @Override
    public void close() {
        schedules.forEach(schedule -> schedule.cancel(false));
        if (parser != null) {
            parser.shutdownNow();
        }
    }
}
