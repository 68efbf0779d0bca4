package io.sluice.gateway.balance;

import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;

/**
 * Which endpoints a selector may choose, in passes of falling preference: in rotation and not yet failed for this
 * request; then not failed for this request (all are out of rotation: the request is tried anyway); then any.
 */
final class Eligible {
    static final int PASSES = 3;

    private Eligible() {
    }

    static boolean in(int pass, UpstreamEndpoint endpoint, List<UpstreamEndpoint> avoid, long now) {
        return switch (pass) {
            case 0 -> !avoid.contains(endpoint) && endpoint.stats().available(now);
            case 1 -> !avoid.contains(endpoint);
            default -> true;
        };
    }
}
