package io.sluice.gateway.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every event loop knows of one endpoint: the attempts in flight on it, its failures in a row, whether it is
 * out of rotation (ejected after failures, cooling down after a 429 or 503 that said when to come back, or down
 * after failed health probes) and until when, its probes' outcomes in a row and last latency, and the load the
 * endpoint itself reported at its last metrics scrape. The {@code EndpointStats} seam of DESIGN.md §2b: selectors
 * read it; the upstream call, the provider's {@link io.sluice.gateway.balance.OutlierDetector} and the load scrape
 * write it. Lock-free (atomics and volatiles); lives as long as its endpoint.
 */
public final class EndpointStats {
    /** Why an endpoint is out of rotation. */
    public enum Out { NONE, EJECTED, COOLING, DOWN }

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicInteger ejections = new AtomicInteger();
    /** System.nanoTime() until which the endpoint is out of rotation; meaningless while {@link #out} is NONE. */
    private final AtomicLong outUntil = new AtomicLong();
    private volatile Out out = Out.NONE;
    private final AtomicInteger probesInARow = new AtomicInteger();
    private volatile long probeLatencyNanos = -1;
    private volatile String lastError;
    private volatile long lastErrorMillis;
    private volatile ServerLoad serverLoad;

    /** An attempt started on the endpoint; each is matched by one {@link #finished()}. */
    public void started() {
        inFlight.incrementAndGet();
    }

    public void finished() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Whether selectors may choose it at {@code now} (System.nanoTime()). */
    public boolean available(long now) {
        return out == Out.NONE || now - outUntil.get() >= 0;
    }

    /** Why it is out of rotation at {@code now}, or NONE. */
    public Out out(long now) {
        return available(now) ? Out.NONE : out;
    }

    /** An attempt got an answer that is not a server failure: the failures in a row end. */
    public void succeeded() {
        if (failuresInARow.get() != 0) {
            failuresInARow.set(0);
        }
    }

    /** An attempt failed at {@code millis} (epoch) with {@code error}; returns the failures in a row now. */
    public int failed(String error, long millis) {
        noteError(error, millis);
        return failuresInARow.incrementAndGet();
    }

    /** Records a failure to show (a probe's, or an attempt's while the endpoint is out) without counting it. */
    public void noteError(String error, long millis) {
        lastError = error;
        lastErrorMillis = millis;
    }

    public int failuresInARow() {
        return failuresInARow.get();
    }

    /** Takes it out of rotation until {@code until} (System.nanoTime()), cooling or down. */
    public void takeOut(Out why, long until) {
        outUntil.set(until);
        out = why;
    }

    /** Ejects it until {@code until}, as its {@code times}-th ejection in a row (which sets the next one's length). */
    public void eject(long until, int times) {
        ejections.set(times);
        failuresInARow.set(0);
        takeOut(Out.EJECTED, until);
    }

    /**
     * The ejections that still count at {@code now}: one is forgiven for each {@code decayNanos} the endpoint has
     * been back (as Envoy lowers its ejection multiplier while a host stays healthy).
     */
    public int ejectionsCounting(long now, long decayNanos) {
        final int times = ejections.get();
        if (times == 0 || !available(now)) {
            return times;
        }
        final long back = now - outUntil.get();
        return back <= 0 ? times : (int) Math.max(0, times - back / decayNanos);
    }

    /**
     * Puts it back in rotation at {@code now} (a health probe answered); its failures in a row start again, and
     * its ejections are forgiven from now on.
     */
    public void putBack(long now) {
        outUntil.set(now);
        out = Out.NONE;
        failuresInARow.set(0);
    }

    /**
     * A health probe answered well ({@code ok}, taking {@code latencyNanos}) or not; returns how many probes in a
     * row have had that outcome.
     */
    public int probed(boolean ok, long latencyNanos) {
        if (ok) {
            probeLatencyNanos = latencyNanos;
        }
        // Successes count up from 1, failures down from -1: a change of outcome starts the count again.
        return Math.abs(probesInARow.updateAndGet(n -> ok ? Math.max(n, 0) + 1 : Math.min(n, 0) - 1));
    }

    /** How long the last good probe took, or -1. */
    public long probeLatencyNanos() {
        return probeLatencyNanos;
    }

    public int ejections() {
        return ejections.get();
    }

    /** The last failure's description, or null. */
    public String lastError() {
        return lastError;
    }

    /** The endpoint's own account of its load at the last scrape of its metrics, or null. */
    public ServerLoad serverLoad() {
        return serverLoad;
    }

    public void serverLoad(ServerLoad load) {
        serverLoad = load;
    }

    /** When the last failure happened (epoch milliseconds), or 0. */
    public long lastErrorMillis() {
        return lastErrorMillis;
    }
}
