package io.sluice.gateway.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A request target's path, and a path sent on with the client's query. */
class UrisTest {
    @Test
    void thePathEndsBeforeTheQuery() {
        assertEquals("/v1/chat/completions", Uris.path("/v1/chat/completions?api-version=2024-10-21"));
        assertEquals("/v1/chat/completions", Uris.path("/v1/chat/completions"));
        assertEquals("/v1/models", Uris.path("/v1/models?"));
        assertEquals("", Uris.path("?x=1"));
        assertEquals("/", Uris.path("/?x=http://a/b"));
    }

    @Test
    void anAbsoluteFormTargetsPathFollowsItsAuthority() {
        assertEquals("/v1/chat/completions", Uris.path("http://gateway:8080/v1/chat/completions?x=http://a/b"));
        assertEquals("/v1/models", Uris.path("HTTPS://gateway/v1/models"));
        assertEquals("", Uris.path("http://gateway?x=/y"));
        assertEquals("", Uris.path("http://gateway"));
    }

    @Test
    void aPathTakesTheClientsQueryWhenItHasOne() {
        assertEquals("/chat/completions?api-version=2024-10-21&x=1",
                Uris.withQueryOf("/chat/completions", "/v1/chat/completions?api-version=2024-10-21&x=1"));
        assertEquals("/chat/completions?", Uris.withQueryOf("/chat/completions", "/v1/chat/completions?"));
        assertEquals("/chat/completions?x=1", Uris.withQueryOf("/chat/completions", "?x=1"));
    }

    @Test
    void withoutAQueryThePathItselfIsTheAnswer() {
        final String path = "/chat/completions";
        assertSame(path, Uris.withQueryOf(path, "/v1/chat/completions"));
    }
}
