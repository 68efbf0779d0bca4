package io.sluice.gateway.testing;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits, polling, for something a gateway does in the background: a reload, a probe, a scrape, a record. */
public final class Await {
    private static final long LIMIT_SECONDS = 20;
    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /** Returns once {@code condition} holds (an exception counts as not yet), failing with {@code what} after 20 s. */
    public static void until(String what, Callable<Boolean> condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        while (!holds(condition)) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
    }

    private static boolean holds(Callable<Boolean> condition) {
        try {
            return condition.call();
        } catch (Exception e) {
            return false;
        }
    }
}
