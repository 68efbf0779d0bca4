package io.sluice.gateway.health;

import io.netty.channel.EventLoop;
import io.sluice.codec.CaptureBuffer;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;

/**
 * One endpoint's health probe, run at its interval: an {@link EndpointGet} of the provider type's health path (or
 * the configured one); a 2xx head within the timeout is well, anything else (no connection, another status, a
 * reset, silence) is not. One probe at a time per endpoint: a run that finds the last still going skips.
 *
 * <p>Thread: its event loop, for everything.
 */
final class Probe implements Runnable {
    static final String USER_AGENT = "sluice-health-probe";

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Provider provider;
    private final UpstreamEndpoint endpoint;
    private final SluiceConfig.Probe config;
    private final String path;
    private boolean running;
    private long startNanos;

    Probe(EventLoop loop, UpstreamPools pools, Provider provider, UpstreamEndpoint endpoint, SluiceConfig.Probe config) {
        this.loop = loop;
        this.pools = pools;
        this.provider = provider;
        this.endpoint = endpoint;
        this.config = config;
        this.path = config.path() != null ? config.path() : provider.probePath(endpoint);
    }

    @Override
    public void run() {
        if (running) {
            return;
        }
        running = true;
        startNanos = System.nanoTime();
        new EndpointGet(loop, pools, provider, endpoint, path, USER_AGENT, 0, this::done).start(config.timeout());
    }

    private void done(int status, CaptureBuffer body, String error) {
        if (!running) {
            return;
        }
        running = false;
        final boolean ok = status >= 200 && status < 300;
        provider.health().probed(endpoint, ok, System.nanoTime() - startNanos, ok ? null
                : error == null ? "The health probe got status " + status + "." : "The health probe failed: " + error);
    }
}
