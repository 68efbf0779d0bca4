package io.sluice.gateway.health;

import io.netty.channel.EventLoop;
import io.sluice.codec.CaptureBuffer;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One endpoint's load scrape, run at its interval: an {@link EndpointGet} of the model server's metrics, whose body
 * is read on the scrape's parsing thread (never the event loop: a vLLM exposition runs to hundreds of kilobytes of
 * histograms) into the endpoint's {@link io.sluice.gateway.upstream.ServerLoad} for {@code least_loaded}. A failed
 * scrape leaves the last reading, which the selector stops trusting once it is too old; an answer without the
 * queue series clears it. One scrape at a time per endpoint.
 *
 * <p>Thread: its event loop, but for the parsing.
 */
final class LoadScrape implements Runnable {
    static final String USER_AGENT = "sluice-load-scrape";
    /** Far above a real exposition; past it the rest is read and dropped, and the last line kept may be cut. */
    private static final int MAX_BYTES = 4 << 20;

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Provider provider;
    private final UpstreamEndpoint endpoint;
    private final SluiceConfig.Metrics config;
    private final Executor parser;
    private boolean running;

    LoadScrape(EventLoop loop, UpstreamPools pools, Provider provider, UpstreamEndpoint endpoint,
               SluiceConfig.Metrics config, Executor parser) {
        this.loop = loop;
        this.pools = pools;
        this.provider = provider;
        this.endpoint = endpoint;
        this.config = config;
        this.parser = parser;
    }

    @Override
    public void run() {
        if (running) {
            return;
        }
        running = true;
        new EndpointGet(loop, pools, provider, endpoint, config.path(), USER_AGENT, MAX_BYTES, this::done)
                .start(config.timeout());
    }

    private void done(int status, CaptureBuffer body, String error) {
        running = false;
        if (body == null) {
            return;
        }
        final long at = System.nanoTime();
        try {
            parser.execute(() -> endpoint.stats().serverLoad(VllmMetrics.parse(body.array(), body.length(), at)));
        } catch (RejectedExecutionException e) {
            // The gateway is closing.
        }
    }
}
