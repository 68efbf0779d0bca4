package io.sluice.gateway.balance;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.upstream.EndpointStats;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutlierDetectorTest {
    private static final Duration BASE = Duration.ofSeconds(10);
    private static final long MS = 1_000_000L;
    private static final SluiceConfig.Probe PROBE = new SluiceConfig.Probe(true, null, Duration.ofSeconds(15),
            Duration.ofSeconds(3), 1, 2);

    private final List<UpstreamEndpoint> endpoints = List.of(endpoint("a"), endpoint("b"), endpoint("c"),
            endpoint("d"));
    private final UpstreamEndpoint a = endpoints.get(0);
    private final OutlierDetector detector = new OutlierDetector(endpoints,
            new SluiceConfig.Health(3, BASE, Duration.ofSeconds(25), 50, Duration.ofSeconds(60), PROBE));

    private static UpstreamEndpoint endpoint(String host) {
        return new UpstreamEndpoint(URI.create("http://" + host + ":8000"), null);
    }

    @Test
    void failuresInARowEjectAndAnAnswerBetweenThemStartsTheCountAgain() throws InterruptedException {
        detector.failed(a, "reset");
        detector.failed(a, "reset");
        detector.succeeded(a);
        detector.failed(a, "reset");
        detector.failed(a, "reset");
        assertTrue(a.stats().available(System.nanoTime()), "two in a row are not three");
        try (LogCapture log = new LogCapture(OutlierDetector.class.getName())) {
            detector.failed(a, "The backend could not be reached");
            assertEquals("endpoint http://a:8000/v1 ejected for 10s after 3 failures in a row (ejection 1 in a "
                    + "row); last: The backend could not be reached", log.next());
        }
        final long now = System.nanoTime();
        assertFalse(a.stats().available(now));
        assertEquals(EndpointStats.Out.EJECTED, a.stats().out(now));
        assertEquals("The backend could not be reached", a.stats().lastError());
        assertTrue(a.stats().available(now + BASE.toNanos() + MS), "back when the ejection is over");
        assertEquals(1, a.stats().ejections());
    }

    @Test
    void eachEjectionLastsLongerUpToTheCap() {
        long start = System.nanoTime();
        ejectOnce(a);
        assertFalse(a.stats().available(start + BASE.toNanos() - 50 * MS));
        assertTrue(a.stats().available(start + BASE.toNanos() + 50 * MS + elapsed(start)));
        a.stats().putBack(System.nanoTime());
        start = System.nanoTime();
        ejectOnce(a);
        assertFalse(a.stats().available(start + 2 * BASE.toNanos() - 50 * MS), "the second lasts twice as long");
        a.stats().putBack(System.nanoTime());
        start = System.nanoTime();
        ejectOnce(a);
        assertFalse(a.stats().available(start + Duration.ofSeconds(25).toNanos() - 50 * MS));
        assertTrue(a.stats().available(start + Duration.ofSeconds(25).toNanos() + 50 * MS + elapsed(start)),
                "the third would be 30 s; the cap is 25 s");
    }

    @Test
    void atMostTheShareIsOutAndNeverTheLastOne() {
        for (UpstreamEndpoint endpoint : endpoints) {
            ejectOnce(endpoint);
        }
        final long now = System.nanoTime();
        assertEquals(2, endpoints.stream().filter(e -> !e.stats().available(now)).count(), "50 % of four");

        final UpstreamEndpoint only = endpoint("solo");
        final OutlierDetector alone = new OutlierDetector(List.of(only),
                new SluiceConfig.Health(1, BASE, BASE, 100, BASE, PROBE));
        alone.failed(only, "reset");
        alone.retryAfter(only, Duration.ofSeconds(5));
        assertTrue(only.stats().available(System.nanoTime()), "the last endpoint in rotation stays");
    }

    @Test
    void aRetryAfterCoolsTheEndpointForThatLongUpToTheCap() {
        final long start = System.nanoTime();
        detector.retryAfter(a, Duration.ofSeconds(2));
        assertEquals(EndpointStats.Out.COOLING, a.stats().out(start));
        assertTrue(a.stats().available(start + Duration.ofSeconds(2).toNanos() + 50 * MS + elapsed(start)));
        assertEquals(0, a.stats().ejections(), "cooling is not an ejection");
        final UpstreamEndpoint b = endpoints.get(1);
        final long later = System.nanoTime();
        detector.retryAfter(b, Duration.ofHours(1));
        assertTrue(b.stats().available(later + Duration.ofSeconds(60).toNanos() + 50 * MS + elapsed(later)),
                "capped at max_cooldown");
    }

    @Test
    void probesTakeAnEndpointDownAndBringBackADownOrEjectedOneButNotACoolingOne() {
        final UpstreamEndpoint b = endpoints.get(1);
        detector.probed(b, false, 0, "The health probe got status 503.");
        assertTrue(b.stats().available(System.nanoTime()), "one failed probe of two");
        assertEquals(0, b.stats().failuresInARow(), "a probe's failure is shown, not counted as a request's");
        detector.probed(b, false, 0, "The health probe got status 503.");
        assertEquals(EndpointStats.Out.DOWN, b.stats().out(System.nanoTime()));
        assertEquals("The health probe got status 503.", b.stats().lastError());
        detector.probed(b, true, 2_000_000, null);
        assertTrue(b.stats().available(System.nanoTime()), "one good probe brings it back");
        assertEquals(2_000_000, b.stats().probeLatencyNanos());

        ejectOnce(a);
        assertEquals(EndpointStats.Out.EJECTED, a.stats().out(System.nanoTime()));
        detector.probed(a, true, 1_000_000, null);
        assertTrue(a.stats().available(System.nanoTime()), "an ejected endpoint too");

        final UpstreamEndpoint c = endpoints.get(2);
        detector.retryAfter(c, Duration.ofSeconds(30));
        detector.probed(c, true, 1_000_000, null);
        assertEquals(EndpointStats.Out.COOLING, c.stats().out(System.nanoTime()), "it rests as long as it asked");
    }

    @Test
    void ejectionsAreForgivenWhileTheEndpointStaysBack() {
        final EndpointStats stats = a.stats();
        final long now = System.nanoTime();
        stats.eject(now - 1, 3);
        assertEquals(3, stats.ejectionsCounting(now, BASE.toNanos()), "just back: all three count");
        assertEquals(1, stats.ejectionsCounting(now + 2 * BASE.toNanos(), BASE.toNanos()));
        assertEquals(0, stats.ejectionsCounting(now + 9 * BASE.toNanos(), BASE.toNanos()));
        stats.eject(now + Long.MAX_VALUE / 4, 2);
        stats.putBack(now);
        assertEquals(1, stats.ejectionsCounting(now + BASE.toNanos(), BASE.toNanos()),
                "brought back early (a probe), it is forgiven from then on");
    }

    private void ejectOnce(UpstreamEndpoint endpoint) {
        for (int i = 0; i < 3; i++) {
            detector.failed(endpoint, "status 503");
        }
    }

    private static long elapsed(long since) {
        return System.nanoTime() - since;
    }
}
