package io.sluice.gateway.proxy;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream limits of an exchange fire when they pass and not before, whether the deadline was near enough to be
 * scheduled at once or far enough to wait in the loop's list of far deadlines; a cancelled one never fires.
 */
class ExchangeTimerTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final BlockingQueue<Fired> fired = new LinkedBlockingQueue<>();

    private record Fired(int exchange, ExchangeTimer.Limit limit, long atNanos) {
    }

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aNearDeadlineFiresWhenItPasses() throws Exception {
        assertFiresAfter(Duration.ofMillis(200));
    }

    @Test
    void aFarDeadlineWaitsInTheListAndFiresWhenItPasses() throws Exception {
        assertFiresAfter(Duration.ofMillis(1500));
    }

    @Test
    void cancelledFarDeadlinesNeverFireAndLeaveTheOthersInPlace() throws Exception {
        final List<ExchangeTimer> timers = new ArrayList<>();
        final long sent = onLoop(() -> {
            final long now = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                timers.add(timer(i, Duration.ofMillis(1200)));
                timers.get(i).requestSent(now);
            }
            // The first, a middle one and the last of the list are let go of; the others keep their places.
            timers.get(0).cancel();
            timers.get(2).cancel();
            timers.get(4).cancel();
            return now;
        });
        final List<Integer> exchanges = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            final Fired one = fired.poll(10, TimeUnit.SECONDS);
            assertEquals(ExchangeTimer.Limit.FIRST_BYTE, one.limit());
            assertTrue(one.atNanos() - sent >= Duration.ofMillis(1200).toNanos(), "not before its deadline");
            exchanges.add(one.exchange());
        }
        exchanges.sort(null);
        assertEquals(List.of(1, 3), exchanges);
        assertNull(fired.poll(2, TimeUnit.SECONDS), "a cancelled deadline fired");
    }

    /** A rest waits on the total limit, half an hour off; the connect limit that follows is nearer. */
    @Test
    void anEarlierDeadlineTakesAFarOnesPlace() throws Exception {
        final long started = onLoop(() -> {
            final ExchangeTimer timer = timer(0, Duration.ofMinutes(2));
            timer.resting();
            // Read before the timer reads its own: the limit counts from the later time, so no earlier than this.
            final long now = System.nanoTime();
            timer.connecting(Duration.ofMillis(300).toNanos());
            return now;
        });
        final Fired one = fired.poll(10, TimeUnit.SECONDS);
        assertEquals(ExchangeTimer.Limit.CONNECT, one.limit());
        assertTrue(one.atNanos() - started >= Duration.ofMillis(300).toNanos());
        assertNull(fired.poll(1500, TimeUnit.MILLISECONDS), "the total limit's place in the list was let go of");
    }

    private void assertFiresAfter(Duration firstByte) throws Exception {
        // The time the deadline counts from: one read after it could be later than the deadline's start by more
        // than the timer fires late, and the check below would fail on a deadline that was kept.
        final long sent = onLoop(() -> {
            final long now = System.nanoTime();
            timer(0, firstByte).requestSent(now);
            return now;
        });
        final Fired one = fired.poll(10, TimeUnit.SECONDS);
        assertEquals(ExchangeTimer.Limit.FIRST_BYTE, one.limit());
        assertTrue(one.atNanos() - sent >= firstByte.toNanos(), "not before its deadline");
        assertNull(fired.poll(200, TimeUnit.MILLISECONDS), "fired once");
    }

    private ExchangeTimer timer(int exchange, Duration firstByte) {
        return new ExchangeTimer(loop, limit -> fired.add(new Fired(exchange, limit, System.nanoTime())),
                System.nanoTime(), new SluiceConfig.Timeouts(Duration.ofSeconds(5), firstByte, Duration.ofMinutes(2),
                Duration.ofMinutes(30)));
    }

    private <T> T onLoop(Callable<T> work) throws Exception {
        return loop.submit(work).get(10, TimeUnit.SECONDS);
    }
}
