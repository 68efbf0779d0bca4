package io.sluice.gateway.proxy;

import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The requests in flight (HTTP exchanges and WebSocket requests), so that a shutdown can wait for them and end
 * the ones still running at its deadline.
 *
 * <p>Thread: a request is added and removed on its own event loop, into that loop's list, so the hot path takes
 * no lock, makes one lookup of its loop's list and shares no counter with the other loops (a concurrent set shared
 * by all loops cost about 1 % of a small request's CPU, bench/RESULTS.md). {@link #size} and {@link #endAll} may be
 * called from any thread.
 */
public final class ActiveRequests {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveRequests.class);

    /** A request that can be ended early, with a terminal error in its own format. */
    public interface Request {
        EventLoop eventLoop();

        /** Ends the request because the gateway is shutting down; called on its event loop. */
        void endForShutdown();
    }

    /** A request's link in its loop's list: what {@link #add} hands out and {@link #remove} takes back. */
    public static final class Entry {
        private final Request request;
        private final LoopRequests list;
        private Entry previous;
        private Entry next;
        private boolean removed;

        private Entry(Request request, LoopRequests list) {
            this.request = request;
            this.list = list;
        }
    }

    private final ConcurrentMap<EventLoop, LoopRequests> loops = new ConcurrentHashMap<>();

    /** Keeps {@code request} until its entry is removed; called on the request's event loop. */
    public Entry add(Request request) {
        // A key at the head of its bin (a gateway has a few loops) is found without a lock.
        return loops.computeIfAbsent(request.eventLoop(), LoopRequests::new).add(request);
    }

    /** Lets go of the request of {@code entry}; {@code null} and an entry removed before are ignored. */
    public void remove(Entry entry) {
        if (entry != null && !entry.removed) {
            entry.list.remove(entry);
        }
    }

    /** The requests in flight; exact once the loops have run the adds and removes made before the call. */
    public int size() {
        int size = 0;
        for (LoopRequests list : loops.values()) {
            size += list.size;
        }
        return size;
    }

    /** Ends every request still running, each on its event loop. */
    public void endAll() {
        for (LoopRequests list : loops.values()) {
            list.loop.execute(list::endAll);
        }
    }

    /** The requests of one event loop, in an intrusive list that only that loop changes. */
    private static final class LoopRequests {
        private final EventLoop loop;
        private Entry first;
        /** Written by the loop only; volatile for {@link ActiveRequests#size} on other threads. */
        private volatile int size;

        LoopRequests(EventLoop loop) {
            this.loop = loop;
        }

        Entry add(Request request) {
            assert loop.inEventLoop() : "a request is added on its own event loop";
            final Entry entry = new Entry(request, this);
            entry.next = first;
            if (first != null) {
                first.previous = entry;
            }
            first = entry;
            size = size + 1;
            return entry;
        }

        void remove(Entry entry) {
            assert loop.inEventLoop() : "a request is removed on its own event loop";
            if (entry.previous != null) {
                entry.previous.next = entry.next;
            } else {
                first = entry.next;
            }
            if (entry.next != null) {
                entry.next.previous = entry.previous;
            }
            entry.previous = null;
            entry.next = null;
            entry.removed = true;
            size = size - 1;
        }

        /**
         * Ends each request; a copy is walked, since ending a request removes its entry. One that fails to end is
         * logged and does not keep the others from their terminal error.
         */
        void endAll() {
            final List<Request> running = new ArrayList<>(size);
            for (Entry entry = first; entry != null; entry = entry.next) {
                running.add(entry.request);
            }
            for (Request request : running) {
                try {
                    request.endForShutdown();
                } catch (RuntimeException e) {
                    LOG.warn("a request could not be ended for the shutdown", e);
                }
            }
        }
    }
}
