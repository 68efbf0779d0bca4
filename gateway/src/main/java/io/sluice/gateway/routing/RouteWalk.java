package io.sluice.gateway.routing;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one request's attempts go, within its route's retry policy: up to {@code attempts_per_target} attempts on
 * one target, each on an endpoint that has not failed for this request while the target has one, then the next
 * target, until {@code max_attempts} are spent. It decides; the call makes the attempts (the {@code Attempt} seam of
 * DESIGN.md §2b).
 *
 * <p>Thread: the request's event loop.
 */
public final class RouteWalk {
    /** Why an attempt failed before its response reached the client. */
    public enum Failure {
        CONNECT(SluiceConfig.RetryOn.CONNECT),
        RESET(SluiceConfig.RetryOn.RESET),
        TIMEOUT(SluiceConfig.RetryOn.TIMEOUT),
        SERVER_ERROR(SluiceConfig.RetryOn.SERVER_ERROR),
        RATE_LIMITED(SluiceConfig.RetryOn.RATE_LIMITED),
        /** The prompt is too long for the target's model: never tried on it again, perhaps on the next target. */
        CONTEXT_LENGTH(null);

        private final SluiceConfig.RetryOn retryOn;

        Failure(SluiceConfig.RetryOn retryOn) {
            this.retryOn = retryOn;
        }
    }

    private final Route route;
    private int targetIndex;
    private int attemptsOnTarget;
    private int attempts;
    /** The endpoints of the current target that failed for this request. */
    private final List<UpstreamEndpoint> failed = new ArrayList<>(2);

    public RouteWalk(Route route) {
        this.route = route;
    }

    public Route route() {
        return route;
    }

    /** The target of the current attempt. */
    public Target target() {
        return route.targets().get(targetIndex);
    }

    /** Counts an attempt on the current target and picks its endpoint. */
    public UpstreamEndpoint attempt() {
        attempts++;
        attemptsOnTarget++;
        return target().provider().nextEndpoint(failed);
    }

    /** How many attempts were made so far. */
    public int attempts() {
        return attempts;
    }

    /**
     * An attempt on {@code endpoint} failed with {@code failure}: whether to try again, after which
     * {@link #target()} is where the next attempt goes.
     */
    public boolean retry(Failure failure, UpstreamEndpoint endpoint) {
        final SluiceConfig.Retry policy = route.retry();
        final boolean nextTargetExists = targetIndex + 1 < route.targets().size();
        if (attempts >= policy.maxAttempts()) {
            return false;
        }
        if (failure == Failure.CONTEXT_LENGTH) {
            return policy.contextFallback() && nextTargetExists && nextTarget();
        }
        if (!policy.retryOn().contains(failure.retryOn)) {
            return false;
        }
        if (!failed.contains(endpoint)) {
            failed.add(endpoint);
        }
        final boolean untriedEndpoint = failed.size() < target().provider().endpointCount();
        if (attemptsOnTarget < policy.attemptsPerTarget() && (untriedEndpoint || !nextTargetExists)) {
            return true;
        }
        return nextTargetExists && nextTarget();
    }

    private boolean nextTarget() {
        targetIndex++;
        attemptsOnTarget = 0;
        failed.clear();
        return true;
    }
}
