package io.sluice.gateway.upstream;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code max_connections} of one endpoint, shared by the pools of every event loop (as Envoy's circuit
 * breakers are): a pool takes a slot before it connects and gives it back when the connection closes. A slot given
 * back wakes the pools that have requests waiting, whichever loop they are on.
 *
 * <p>Thread-safe: touched on connect and close only, never per request.
 */
final class ConnectionBudget {
    private final int max;
    private final AtomicInteger used = new AtomicInteger();
    private final List<EndpointPool> pools = new CopyOnWriteArrayList<>();

    ConnectionBudget(int max) {
        this.max = max;
    }

    int max() {
        return max;
    }

    void register(EndpointPool pool) {
        pools.add(pool);
    }

    boolean tryTake() {
        int current;
        do {
            current = used.get();
            if (current >= max) {
                return false;
            }
        } while (!used.compareAndSet(current, current + 1));
        return true;
    }

    void giveBack() {
        used.decrementAndGet();
        for (EndpointPool pool : pools) {
            if (pool.hasWaiters()) {
                pool.wakeWaiter();
            }
        }
    }
}
