package io.sluice.gateway.routing;

import io.sluice.gateway.config.SluiceConfig;

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

    /** The first choice, the target a request goes to when nothing fails. */
    public Target primary() {
        return targets.get(0);
    }
}
