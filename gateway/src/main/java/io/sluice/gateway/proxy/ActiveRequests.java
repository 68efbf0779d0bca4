package io.sluice.gateway.proxy;

import io.netty.channel.EventLoop;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests in flight (HTTP exchanges and WebSocket requests), so that a shutdown can wait for them and end
 * the ones still running at its deadline. Thread-safe; each request is ended on its own event loop.
 */
public final class ActiveRequests {
    /** A request that can be ended early, with a terminal error in its own format. */
    public interface Request {
        EventLoop eventLoop();

        /** Ends the request because the gateway is shutting down; called on its event loop. */
        void endForShutdown();
    }

    private final Set<Request> requests = ConcurrentHashMap.newKeySet();

    public void add(Request request) {
        requests.add(request);
    }

    public void remove(Request request) {
        requests.remove(request);
    }

    public int size() {
        return requests.size();
    }

    /** Ends every request still running, each on its event loop. */
    public void endAll() {
        for (Request request : requests) {
            request.eventLoop().execute(request::endForShutdown);
        }
    }
}
