package io.sluice.gateway.admission;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bucket's arithmetic on a clock the test moves: bursts, refill, waits, refunds and debts. */
class TokenBucketTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aRateOfTenAndABurstOfTwentyAdmitsTwentyAtOnceThenTenASecond() {
        final TokenBucket bucket = new TokenBucket(10, 20, now::get);
        for (int i = 0; i < 20; i++) {
            assertTrue(bucket.tryTake(1) < 0, "request " + i + " of the burst");
        }
        assertEquals(TimeUnit.MILLISECONDS.toNanos(100), bucket.tryTake(1), "the 21st waits one refill");
        for (int second = 0; second < 3; second++) {
            advance(1000);
            int admitted = 0;
            while (bucket.tryTake(1) < 0) {
                admitted++;
            }
            assertEquals(10, admitted, "second " + second);
        }
        advance(2000);
        assertEquals(20, bucket.remaining(), "two idle seconds fill it, no more");
        assertEquals(0, bucket.nanosUntilFull());
    }

    @Test
    void whatIsGivenBackCanBeTakenAgainAndADebtIsWaitedOff() {
        final TokenBucket bucket = new TokenBucket(1000 / 60.0, 1000, now::get);
        assertTrue(bucket.tryTake(600) < 0);
        assertTrue(bucket.tryTake(600) >= 0, "400 left");
        bucket.giveBack(550);
        assertEquals(950, bucket.remaining());
        bucket.giveBack(5000);
        assertEquals(1000, bucket.remaining(), "never fuller than full");
        assertTrue(bucket.tryTake(1000) < 0);
        bucket.charge(500);
        assertEquals(0, bucket.remaining());
        assertTrue(bucket.tryTake(1) > TimeUnit.SECONDS.toNanos(29), "500 tokens of debt take 30 s to pay");
        advance(60_000);
        assertEquals(500, bucket.remaining());
        bucket.charge(Long.MAX_VALUE);
        assertEquals(0, bucket.remaining());
        advance(90_000);
        assertEquals(1000, bucket.remaining(), "a debt counts one bucket at most, whatever a backend claims");
    }
}
