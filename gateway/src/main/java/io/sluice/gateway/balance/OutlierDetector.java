package io.sluice.gateway.balance;

import io.sluice.gateway.config.Durations;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.EndpointStats;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Passive and active health of one provider's endpoints, in the manner of Envoy's outlier detection: consecutive
 * failures (connect failures, resets, timeouts, 5xx) eject an endpoint for the base time multiplied by its ejections
 * so far (the first: once; one is forgiven for each base time it stays back), up to a cap; at most a configured
 * share of the endpoints is out at once, and never the last one in rotation. A 429 or 503 that says when to come
 * back ({@code Retry-After}) cools the endpoint that long, up to a cap. An endpoint comes back when its time is up;
 * an ejected one also when a health probe finds it well. Probes that keep failing take an endpoint out (down) until
 * one succeeds.
 *
 * <p>Called from every event loop as attempts end; it reads and writes {@link EndpointStats} only, without a lock,
 * so two loops ejecting at the same instant may take one endpoint more than the share out for that while. An
 * endpoint leaving the rotation is a warning in the log, its return an info line.
 */
public final class OutlierDetector {
    private static final Logger LOG = LoggerFactory.getLogger(OutlierDetector.class);

    private final List<UpstreamEndpoint> endpoints;
    private final SluiceConfig.Health config;

    public OutlierDetector(List<UpstreamEndpoint> endpoints, SluiceConfig.Health config) {
        this.endpoints = List.copyOf(endpoints);
        this.config = config;
    }

    /** The endpoint answered, with anything but a server failure. */
    public void succeeded(UpstreamEndpoint endpoint) {
        endpoint.stats().succeeded();
    }

    /** The endpoint failed: no connection, a reset, a timeout, a malformed answer or a 5xx. */
    public void failed(UpstreamEndpoint endpoint, String error) {
        final EndpointStats stats = endpoint.stats();
        final long now = System.nanoTime();
        if (!stats.available(now)) {
            // An attempt that began before the endpoint left the rotation: shown, not counted again.
            stats.noteError(error, System.currentTimeMillis());
            return;
        }
        final int failures = stats.failed(error, System.currentTimeMillis());
        if (failures < config.consecutiveFailures() || !mayTakeOut(now)) {
            return;
        }
        final long base = config.baseEjection().toNanos();
        final int times = stats.ejectionsCounting(now, base) + 1;
        final long ejection = Math.min(config.maxEjection().toNanos(), base * times);
        stats.eject(now + ejection, times);
        LOG.warn("endpoint {} ejected for {} after {} failures in a row (ejection {} in a row); last: {}",
                endpoint.url(), Durations.format(Duration.ofNanos(ejection)), failures, times, error);
    }

    /** The endpoint answered 429 or 503 and said when to come back: it rests that long, up to the cap. */
    public void retryAfter(UpstreamEndpoint endpoint, Duration wait) {
        final EndpointStats stats = endpoint.stats();
        final long now = System.nanoTime();
        if (wait.isZero() || wait.isNegative() || !stats.available(now) || !mayTakeOut(now)) {
            return;
        }
        final Duration capped = wait.compareTo(config.maxCooldown()) > 0 ? config.maxCooldown() : wait;
        stats.takeOut(EndpointStats.Out.COOLING, now + capped.toNanos());
        LOG.info("endpoint {} rests for {}, as its Retry-After asked", endpoint.url(), Durations.format(capped));
    }

    /**
     * A health probe of the endpoint answered ({@code ok}) or failed with {@code error}: enough successes in a row
     * bring an ejected or down endpoint back into rotation (a cooling one rests as long as it asked); enough
     * failures take it out until a probe succeeds.
     */
    public void probed(UpstreamEndpoint endpoint, boolean ok, long latencyNanos, String error) {
        final EndpointStats stats = endpoint.stats();
        final int inARow = stats.probed(ok, latencyNanos);
        final long now = System.nanoTime();
        if (ok) {
            // A cooling endpoint asked for its rest; a good probe says nothing about its rate limits.
            final EndpointStats.Out out = stats.out(now);
            if (inARow >= config.probe().healthyThreshold()
                    && (out == EndpointStats.Out.EJECTED || out == EndpointStats.Out.DOWN)) {
                stats.putBack(now);
                LOG.info("endpoint {} is back in rotation: {} health probes in a row succeeded", endpoint.url(),
                        inARow);
            }
            return;
        }
        stats.noteError(error, System.currentTimeMillis());
        if (inARow >= config.probe().unhealthyThreshold() && stats.available(now) && mayTakeOut(now)) {
            stats.takeOut(EndpointStats.Out.DOWN, now + Long.MAX_VALUE / 4);
            LOG.warn("endpoint {} is down: {} health probes in a row failed; last: {}", endpoint.url(), inARow,
                    error);
        }
    }

    /** Whether one more endpoint may leave the rotation: within the share, and one at least stays. */
    private boolean mayTakeOut(long now) {
        int out = 0;
        for (UpstreamEndpoint endpoint : endpoints) {
            if (!endpoint.stats().available(now)) {
                out++;
            }
        }
        // As Envoy: one endpoint may always go (unless it is the last), whatever the share says.
        return out + 1 < endpoints.size()
                && (out == 0 && config.maxEjectedPercent() > 0
                        || (out + 1) * 100 <= config.maxEjectedPercent() * endpoints.size());
    }
}
