package io.sluice.gateway.proxy;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The requests in flight, kept per event loop: counted from any thread, ended each on its own loop. */
class ActiveRequestsTest {
    private final EventLoop first = new DefaultEventLoop();
    private final EventLoop second = new DefaultEventLoop();
    private final ActiveRequests active = new ActiveRequests();

    @AfterEach
    void stop() {
        first.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        second.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void requestsOnTwoLoopsAreCountedAndLetGoInAnyOrder() throws Exception {
        final List<ActiveRequests.Entry> onFirst = on(first, () -> addAll(first, 3));
        final List<ActiveRequests.Entry> onSecond = on(second, () -> addAll(second, 2));
        assertEquals(5, active.size());

        on(first, () -> {
            active.remove(onFirst.get(1)); // the middle of the list
            active.remove(onFirst.get(1)); // again: ignored
            active.remove(null);
            return null;
        });
        assertEquals(4, active.size());
        on(first, () -> {
            active.remove(onFirst.get(2)); // the first link (the last added)
            active.remove(onFirst.get(0)); // the last link
            return null;
        });
        on(second, () -> {
            onSecond.forEach(active::remove);
            return null;
        });
        assertEquals(0, active.size());
    }

    @Test
    void endAllEndsEachRequestOnItsOwnLoopAndEmptiesTheLists() throws Exception {
        final List<Ended> ended = new ArrayList<>();
        final CountDownLatch allEnded = new CountDownLatch(5);
        for (EventLoop loop : List.of(first, second, first, second, first)) {
            final Ended request = new Ended(loop, allEnded);
            ended.add(request);
            on(loop, () -> request.entry = active.add(request));
        }
        assertEquals(5, active.size());

        active.endAll();

        assertTrue(allEnded.await(5, TimeUnit.SECONDS));
        for (Ended request : ended) {
            assertTrue(request.onItsLoop, "ended on its own loop");
        }
        assertEquals(0, active.size());
    }

    @Test
    void aRequestThatFailsToEndDoesNotKeepTheOthersOnItsLoopFromEnding() throws Exception {
        final CountDownLatch othersEnded = new CountDownLatch(2);
        final Ended before = new Ended(first, othersEnded);
        final Ended failing = new Ended(first, new CountDownLatch(1)) {
            @Override
            public void endForShutdown() {
                throw new IllegalStateException("a failure while ending");
            }
        };
        final Ended after = new Ended(first, othersEnded);
        for (Ended request : List.of(before, failing, after)) {
            on(first, () -> request.entry = active.add(request));
        }

        active.endAll();

        assertTrue(othersEnded.await(5, TimeUnit.SECONDS), "both sides of the failing request were ended");
        assertEquals(1, on(first, active::size), "only the failing request is still in flight");
    }

    private List<ActiveRequests.Entry> addAll(EventLoop loop, int count) {
        final List<ActiveRequests.Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(active.add(new Ended(loop, new CountDownLatch(1))));
        }
        return entries;
    }

    private static <T> T on(EventLoop loop, java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** A request that, ended for the shutdown, removes itself as the exchanges do. */
    private class Ended implements ActiveRequests.Request {
        private final EventLoop loop;
        private final CountDownLatch done;
        ActiveRequests.Entry entry;
        volatile boolean onItsLoop;

        Ended(EventLoop loop, CountDownLatch done) {
            this.loop = loop;
            this.done = done;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public void endForShutdown() {
            onItsLoop = loop.inEventLoop();
            active.remove(entry);
            done.countDown();
        }
    }
}
