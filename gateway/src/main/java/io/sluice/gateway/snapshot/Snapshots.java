package io.sluice.gateway.snapshot;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current {@link GatewaySnapshot}: one volatile read per request, one atomic swap per reload. Shared by every
 * event loop and the reload thread.
 */
public final class Snapshots {
    private final AtomicReference<GatewaySnapshot> current;

    public Snapshots(GatewaySnapshot first) {
        this.current = new AtomicReference<>(first);
    }

    public GatewaySnapshot current() {
        return current.get();
    }

    /** Makes {@code next} current; requests that read the one before keep it. */
    public void set(GatewaySnapshot next) {
        current.set(next);
    }
}
