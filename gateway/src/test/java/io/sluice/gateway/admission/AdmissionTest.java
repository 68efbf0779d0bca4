package io.sluice.gateway.admission;

import io.sluice.codec.usage.Usage;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.snapshot.SnapshotBuilder;
import io.sluice.gateway.upstream.EndpointRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admission chain after authentication, on a test clock: per-key, per-model and per-address request buckets
 * with the 429's headers, and token reservations settled against the real usage.
 */
class AdmissionTest {
    private static final String KEY = KeyHash.newKey();

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final Admission admission = new Admission(new Buckets(now::get), () -> false);
    private final GatewaySnapshot snapshot = snapshot("""
            server: { host: 127.0.0.1 }
            auth:
              mode: keys
              keys: [ { id: team-a, hash: "%s", limits: { rps: 1, burst: 2, tpm: 1000 } } ]
            limits:
              per_ip: { rps: 10, burst: 3 }
              models: { busy: { rps: 100, burst: 1 } }
              assumed_max_tokens: 300
            providers:
              - { id: p, type: vllm, endpoints: [ "http://127.0.0.1:9" ], models: { m: m, busy: busy } }
            """.formatted(KeyHash.of(KEY)));
    private final Caller teamA = (Caller) snapshot.access().authenticate(
            new io.netty.handler.codec.http.DefaultHttpHeaders().set("authorization", "Bearer " + KEY));

    private static GatewaySnapshot snapshot(String yaml) {
        final SluiceConfig config = ConfigLoader.parse(yaml, "test", new EnvResolver(name -> null), null);
        return new SnapshotBuilder(new EndpointRegistry(), p -> URI.create("http://127.0.0.1:9"))
                .build(config, 1);
    }

    private static TokenDemand demand(long prompt, long maxTokens) {
        return new TokenDemand() {
            @Override
            public long promptTokens(PromptTokens counter) {
                return prompt;
            }

            @Override
            public long maxTokens() {
                return maxTokens;
            }
        };
    }

    private Verdict admit(Caller caller, String model, long prompt, long maxTokens) {
        return admission.admit(snapshot.access(), caller, model, "10.0.0.1", demand(prompt, maxTokens));
    }

    @Test
    void aKeysRequestBucketRefusesWithRetryAfterAndTheOpenAiHeaders() {
        assertInstanceOf(Ticket.class, admit(teamA, "m", 10, 10));
        assertInstanceOf(Ticket.class, admit(teamA, "m", 10, 10));
        final Refusal refusal = assertInstanceOf(Refusal.class, admit(teamA, "m", 10, 10));
        assertEquals(ErrorKind.RATE_LIMITED_REQUESTS, refusal.kind());
        assertTrue(refusal.message().contains("key team-a"), refusal.message());
        final Map<String, String> headers = refusal.headers().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals("1", headers.get("retry-after"));
        assertEquals("2", headers.get("x-ratelimit-limit-requests"));
        assertEquals("0", headers.get("x-ratelimit-remaining-requests"));
        assertEquals("2s", headers.get("x-ratelimit-reset-requests"));
        assertEquals("1000", headers.get("x-ratelimit-limit-tokens"));
        assertEquals("960", headers.get("x-ratelimit-remaining-tokens"));
        assertTrue(headers.containsKey("x-ratelimit-reset-tokens"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(Ticket.class, admit(teamA, "m", 10, 10), "one more a second");
    }

    @Test
    void aRefusalByOneBucketGivesBackWhatTheOthersTook() {
        assertInstanceOf(Ticket.class, admit(teamA, "busy", 1, 1));
        assertInstanceOf(Refusal.class, admit(teamA, "busy", 1, 1), "the model's burst is one");
        assertInstanceOf(Ticket.class, admit(teamA, "m", 1, 1),
                "the key's second request was given back when the model refused");
    }

    @Test
    void callersWithoutAKeyAreCountedByAddress() {
        final Caller anonymous = Caller.ANONYMOUS;
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Ticket.class, admit(anonymous, "m", 0, 0));
        }
        assertInstanceOf(Refusal.class, admit(anonymous, "m", 0, 0));
        assertInstanceOf(Ticket.class, admission.admit(snapshot.access(), anonymous, "m", "10.0.0.2",
                demand(0, 0)), "another address has its own bucket");
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Ticket.class, admission.admit(snapshot.access(), anonymous, "m", "2001:db8:1:2::" + i,
                    demand(0, 0)));
        }
        assertInstanceOf(Refusal.class, admission.admit(snapshot.access(), anonymous, "m", "2001:db8:1:2:ffff::9",
                demand(0, 0)), "an IPv6 /64 is one client");
        assertInstanceOf(Ticket.class, admission.admit(snapshot.access(), anonymous, "m", "::ffff:10.0.0.3",
                demand(0, 0)), "a dual-stack proxy's mapped address is its IPv4 client, not one shared /64");
        assertInstanceOf(Ticket.class, admission.admit(snapshot.access(), anonymous, "m", "::ffff:10.0.0.4",
                demand(0, 0)));
    }

    @Test
    void tokensAreReservedAtAdmissionAndSettledAgainstTheUsage() {
        final Ticket first = assertInstanceOf(Ticket.class, admit(teamA, "m", 100, 500));
        assertEquals(600, first.reserved());
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        final Refusal refused = assertInstanceOf(Refusal.class, admit(teamA, "m", 100, 500),
                "400 left of 1000");
        assertEquals(ErrorKind.RATE_LIMITED_TOKENS, refused.kind());
        first.settle(new Usage(100, 20, 120, 0, 0), true);
        first.settle(new Usage(100, 20, 120, 0, 0), true);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(Ticket.class, admit(teamA, "m", 100, 500), "settled to 120: 860 left");
        final Ticket cancelled = assertInstanceOf(Ticket.class, admit(teamA, "m", 0, -1));
        assertEquals(300, cancelled.reserved(), "no max_tokens: the assumed 300");
        cancelled.settle(null, true);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(Refusal.class, admit(teamA, "m", 100, 500),
                "no usage came for an answer that had started: the reservation stands");
        final Ticket unanswered = assertInstanceOf(Ticket.class, admit(teamA, "m", 0, 25), "about 30 left");
        unanswered.settle(null, false);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(Ticket.class, admit(teamA, "m", 0, 25),
                "a request that relayed no answer gave its whole reservation back");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        final Refusal absurd = assertInstanceOf(Refusal.class, admit(teamA, "m", 1, Long.MAX_VALUE));
        assertTrue(absurd.message().contains("Request too large"), "no overflow: " + absurd.message());
        final Refusal tooLarge = assertInstanceOf(Refusal.class, admit(teamA, "m", 600, 500));
        assertTrue(tooLarge.message().contains("Request too large"), tooLarge.message());
    }
}
