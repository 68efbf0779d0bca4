package io.sluice.gateway.health;

import io.netty.channel.EventLoop;
import io.sluice.codec.CaptureBuffer;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Reads a {@code list_upstream} provider's own model list ({@code GET <api base>/models}) from an endpoint in
 * rotation, off the request path, and gives the ids to the provider, whose router serves them. A failed read keeps
 * the last list: a backend that is down does not empty the gateway's listing.
 *
 * <p>Thread: its event loop, but for the parsing.
 */
final class ModelListing implements Runnable {
    static final String USER_AGENT = "sluice-model-list";
    private static final Logger LOG = LoggerFactory.getLogger(ModelListing.class);
    /** Far above a real list (OpenRouter's, some hundreds of models, is a few hundred KiB). */
    private static final int MAX_BYTES = 16 << 20;

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Provider provider;
    private final Executor parser;
    private boolean running;

    ModelListing(EventLoop loop, UpstreamPools pools, Provider provider, Executor parser) {
        this.loop = loop;
        this.pools = pools;
        this.provider = provider;
        this.parser = parser;
    }

    @Override
    public void run() {
        if (running) {
            return;
        }
        running = true;
        final long now = System.nanoTime();
        final List<UpstreamEndpoint> endpoints = provider.endpoints();
        final UpstreamEndpoint endpoint = endpoints.stream().filter(e -> e.stats().available(now)).findFirst()
                .orElse(endpoints.get(0));
        new EndpointGet(loop, pools, provider, endpoint, provider.modelListPath(endpoint), USER_AGENT, MAX_BYTES,
                this::done).start(provider.probe().timeout());
    }

    private void done(int status, CaptureBuffer body, String error) {
        running = false;
        if (body == null) {
            LOG.debug("provider {}: its model list was not read ({}); the last one stays", provider.id(),
                    error != null ? error : "status " + status);
            return;
        }
        try {
            parser.execute(() -> {
                try {
                    provider.upstreamModels(provider.type().readModelList(body.array(), body.length()));
                } catch (IOException e) {
                    LOG.debug("provider {}: its model list could not be read ({}); the last one stays",
                            provider.id(), e.getClass().getSimpleName());
                }
            });
        } catch (RejectedExecutionException e) {
            // The gateway is closing.
        }
    }
}
