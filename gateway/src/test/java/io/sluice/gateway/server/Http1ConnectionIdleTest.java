package io.sluice.gateway.server;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Http1ConnectionIdle} on an event loop whose clock the test moves: idle a timeout after the start or the end
 * of the last response, a message putting it off by one to two timeouts, told again a timeout later while the
 * connection stays open, and silent for good once stopped.
 */
class Http1ConnectionIdleTest {
    private static final long TIMEOUT_MS = 300;

    private EmbeddedChannel channel;
    private int told;
    private Http1ConnectionIdle idle;

    @BeforeEach
    void start() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        idle = new Http1ConnectionIdle(channel.eventLoop(), TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS), () -> told++);
        idle.restart();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatSendsNothingIsIdleOneTimeoutAfterItsStartAndAgainATimeoutLater() {
        after(TIMEOUT_MS - 1);
        assertEquals(0, told);
        after(1);
        assertEquals(1, told);
        after(TIMEOUT_MS - 1);
        assertEquals(1, told);
        after(1);
        assertEquals(2, told, "a connection kept open (a response on its way) is told again");
    }

    @Test
    void theEndOfAResponseStartsTheCountAgain() {
        after(200);
        idle.restart();
        after(TIMEOUT_MS - 1);
        assertEquals(0, told, "the task at 300 ms found 200 ms of idleness and waited for the rest");
        after(1);
        assertEquals(1, told);
    }

    @Test
    void aMessagePutsItOffByOneToTwoTimeouts() {
        after(100);
        idle.onMessage();
        after(200);
        assertEquals(0, told, "the task at 300 ms found the message");
        after(TIMEOUT_MS - 1);
        assertEquals(0, told, "and dated it by itself");
        after(1);
        assertEquals(1, told);
    }

    /** A request answered at once (health): its message, then its answer's end, and nothing after. */
    @Test
    void aMessageAnsweredAtOnceCountsFromItsAnswer() {
        after(TIMEOUT_MS);
        assertEquals(1, told);
        after(100);
        idle.onMessage();
        idle.restart();
        after(TIMEOUT_MS - 1);
        assertEquals(1, told);
        after(1);
        assertEquals(2, told, "exactly a timeout after the answer");
    }

    @Test
    void aStoppedTimerTellsNothingAndARestartDoesNotWakeIt() {
        after(100);
        idle.stop();
        after(10 * TIMEOUT_MS);
        idle.restart();
        idle.onMessage();
        after(10 * TIMEOUT_MS);
        assertEquals(0, told);
    }

    @Test
    void aTimerStoppedWhileTellingTellsNoMore() {
        idle.stop();
        idle = new Http1ConnectionIdle(channel.eventLoop(), TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS), () -> {
            told++;
            idle.stop();
        });
        idle.restart();
        after(10 * TIMEOUT_MS);
        assertEquals(1, told);
    }

    private void after(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }
}
