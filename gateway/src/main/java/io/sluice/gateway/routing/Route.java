package io.sluice.gateway.routing;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.providers.Continuation;

import java.util.List;

/**
 * A public model name, the targets that serve it in order of preference, and the policy for trying them. The
 * {@code Route → Target} seam of DESIGN.md §2b. Immutable; shared by all event loops.
 */
public record Route(String publicModel, List<Target> targets, SluiceConfig.Retry retry,
                    SluiceConfig.Deadlines deadlines) {
    public Route {
        targets = List.copyOf(targets);
    }

    /**
     * Whether a stream of this route that breaks can go on elsewhere: the route continues streams, has an attempt to
     * spare, and a target whose provider can continue a partial answer. A stream that cannot is not watched for it.
     */
    public boolean continuesStreams() {
        if (!retry.continueStreams() || retry.maxAttempts() < 2) {
            return false;
        }
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).provider().continuation() != Continuation.NONE) {
                return true;
            }
        }
        return false;
    }

    /** The first choice, the target a request goes to when nothing fails. */
    public Target primary() {
        return targets.get(0);
    }
}
