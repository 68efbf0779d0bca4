package io.sluice.gateway.routing;

import io.sluice.gateway.balance.AffinitySource;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one request's attempts go, within its route's retry policy: up to {@code attempts_per_target} attempts on
 * one target, each on an endpoint that has not failed for this request while the target has one, then the next
 * target (at once when the target has no endpoint left that is in rotation), until {@code max_attempts} are
 * spent. It decides; the call makes the attempts (the {@code Attempt} seam of
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
    /** The endpoints that failed for this request, on any target; made on the first failure. */
    private List<UpstreamEndpoint> failed = List.of();

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

    /** Counts an attempt on the current target and picks its endpoint, by the target provider's strategy. */
    public UpstreamEndpoint attempt(AffinitySource affinity) {
        attempts++;
        attemptsOnTarget++;
        return target().provider().selectEndpoint(affinity, failed);
    }

    /**
     * An attempt on {@code endpoint} failed with {@code failure}: whether to try again, after which
     * {@link #target()} is where the next attempt goes.
     */
    public boolean retry(Failure failure, UpstreamEndpoint endpoint) {
        final SluiceConfig.Retry policy = route.retry();
        if (attempts >= policy.maxAttempts()) {
            return false;
        }
        if (failure == Failure.CONTEXT_LENGTH) {
            return policy.contextFallback() && nextTargetWithAnotherModel();
        }
        return policy.retryOn().contains(failure.retryOn) && moveOn(endpoint);
    }

    /**
     * A stream broke on {@code endpoint} after its first byte, or a request to continue it there failed: whether an
     * attempt is left to continue it, after which {@link #target()} is where it goes. Unlike {@link #retry}, any
     * failure counts (the route's {@code continue_streams} says whether to continue at all).
     */
    public boolean continueAfter(UpstreamEndpoint endpoint) {
        return attempts < route.retry().maxAttempts() && moveOn(endpoint);
    }

    /** The current target refused to continue a stream: the next one, if an attempt is left for it. */
    public boolean continueOnNextTarget() {
        return attempts < route.retry().maxAttempts() && skipTarget();
    }

    /** The current target cannot continue a stream: moves to the next one, uncounted; false when none is left. */
    public boolean skipTarget() {
        if (targetIndex + 1 >= route.targets().size()) {
            return false;
        }
        targetIndex++;
        attemptsOnTarget = 0;
        return true;
    }

    /** Marks {@code endpoint} failed and picks where the next attempt goes: another endpoint, or the next target. */
    private boolean moveOn(UpstreamEndpoint endpoint) {
        final SluiceConfig.Retry policy = route.retry();
        final boolean nextTargetExists = targetIndex + 1 < route.targets().size();
        if (failed.isEmpty()) {
            failed = new ArrayList<>(2);
        }
        if (!failed.contains(endpoint)) {
            failed.add(endpoint);
        }
        // An endpoint out of rotation does not count as left to try while another target is there to try instead.
        final long now = System.nanoTime();
        final boolean untriedEndpoint = target().provider().endpoints().stream()
                .anyMatch(e -> !failed.contains(e) && e.stats().available(now));
        if (attemptsOnTarget < policy.attemptsPerTarget() && (untriedEndpoint || !nextTargetExists)) {
            return true;
        }
        if (!nextTargetExists) {
            return false;
        }
        targetIndex++;
        attemptsOnTarget = 0;
        return true;
    }

    /** Moves past every target serving the model that was too small for the prompt; false when none is left. */
    private boolean nextTargetWithAnotherModel() {
        final String tooSmall = target().backendModel();
        for (int next = targetIndex + 1; next < route.targets().size(); next++) {
            if (!route.targets().get(next).backendModel().equals(tooSmall)) {
                targetIndex = next;
                attemptsOnTarget = 0;
                return true;
            }
        }
        return false;
    }
}
