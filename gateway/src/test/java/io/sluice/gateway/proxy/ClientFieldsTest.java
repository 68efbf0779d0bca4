package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.upstream.RequestHead;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's fields as an exchange keeps them, the same whether read through the request's header map or from
 * the copy a stream keeps: the sent ones written into a head in order, each unless the provider sets its name, every
 * field found by name whether it is sent or not, and the bytes a head written field by field holds.
 */
class ClientFieldsTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theSentFieldsGoInTheirOrderAndEveryFieldIsFoundByName(boolean copied) {
        final HttpHeaders headers = new DefaultHttpHeaders()
                .add("Authorization", "Bearer sk-client")
                .add("x-multi", "a")
                .add(AsciiString.of("X-Session"), AsciiString.of("s-1"))
                .add("Host", "sluice")
                .add("x-multi", "b")
                .add("x-title", "the client's")
                .add("x-empty", "");
        final ClientFields fields = fields(headers, name -> !AsciiString.contentEqualsIgnoreCase(name, "authorization")
                && !AsciiString.contentEqualsIgnoreCase(name, "host"), copied);

        final RequestHead building = RequestHead.start(alloc, HttpMethod.POST, "/v1/chat/completions",
                List.of(Map.entry("X-Title", "Example App"))).header("host", "backend");
        fields.writeSent(building);
        assertEquals("""
                POST /v1/chat/completions HTTP/1.1\r
                host: backend\r
                x-multi: a\r
                X-Session: s-1\r
                x-multi: b\r
                x-empty: \r
                X-Title: Example App\r
                \r
                """, text(building.end()));

        assertEquals("Bearer sk-client", fields.get("authorization"), "a field not sent upstream is still found");
        assertEquals("sluice", fields.get(AsciiString.of("HOST")));
        assertEquals("a", fields.get("X-MULTI"), "the first of a name");
        assertEquals("s-1", fields.get("x-session"));
        assertEquals("", fields.get("x-empty"));
        assertNull(fields.get("x-sessio"));
        assertNull(fields.get("x-session-id"));
        assertTrue(fields.contains("x-title"));
        assertFalse(fields.contains("content-type"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void charsAreOneByteEachAsAHeadWrittenFieldByFieldHoldsThem(boolean copied) {
        final HttpHeaders headers = new DefaultHttpHeaders().add("x-latin", "café").add("x-beyond", "€");
        final ByteBuf head = headWith(fields(headers, name -> true, copied));
        final byte[] bytes = new byte[head.readableBytes()];
        head.readBytes(bytes);
        head.release();
        assertArrayEquals(("POST / HTTP/1.1\r\nx-latin: café\r\nx-beyond: ?\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), bytes);
        assertEquals("café", fields(headers, name -> false, copied).get("x-latin"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void noFieldsWriteNothingAndFindNothing(boolean copied) {
        assertEquals("POST / HTTP/1.1\r\n\r\n", text(headWith(fields(new DefaultHttpHeaders(), name -> true,
                copied))));
        if (copied) {
            ClientFields.NONE.keepCopy();
        }
        assertEquals("POST / HTTP/1.1\r\n\r\n", text(headWith(ClientFields.NONE)));
        assertNull(ClientFields.NONE.get("content-type"));
        assertFalse(ClientFields.NONE.contains("content-type"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theCopyIsMadeOnceAndTheMapIsNotReadAfter(boolean changedAfter) {
        final HttpHeaders headers = new DefaultHttpHeaders().add("x-kept", "1");
        final ClientFields fields = ClientFields.of(headers, name -> true);
        fields.keepCopy();
        if (changedAfter) {
            headers.set("x-kept", "2").add("x-later", "3");
        }
        fields.keepCopy();
        assertEquals("POST / HTTP/1.1\r\nx-kept: 1\r\n\r\n", text(headWith(fields)));
        assertNull(fields.get("x-later"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01"})
    void anUpstreamHeadFromTheCopyIsTheHeadFromTheMap(String traceparent) {
        final HttpHeaders headers = new DefaultHttpHeaders()
                .add("Host", "sluice.example")
                .add("Connection", "keep-alive, X-Hop")
                .add("x-hop", "not past this hop")
                .add("Authorization", "Bearer sk-gateway")
                .add("X-Api-Key", "sk-other")
                .add("traceparent", traceparent)
                .add("TraceState", "congo=t61rcWkgMzE")
                .add("x-multi", "a")
                .add("X-Title", "the client's")
                .add("tracestate", "rojo=00f067aa0ba902b7")
                .add("X-MULTI", "b")
                .add("Content-Length", "13");
        final TraceContext trace = TraceContext.of(headers);
        final UpstreamEndpoint backend = new UpstreamEndpoint(URI.create("http://backend:8000"), null);
        final List<Map.Entry<String, String>> provider = List.of(Map.entry("authorization", "Bearer sk-provider"),
                Map.entry("x-title", "Example App"));
        final ClientOrigin origin = new ClientOrigin("10.0.0.7", "for=10.0.0.7;proto=http", "http", "10.0.0.7");
        final ClientFields view = ProxyHeaders.clientFields(headers, trace);
        final String fromMap = text(ProxyHeaders.upstreamRequestHead(alloc, view, origin, "/v1/chat/completions",
                backend, provider, "req-1", trace, 13));
        view.keepCopy();
        final String fromCopy = text(ProxyHeaders.upstreamRequestHead(alloc, view, origin, "/v1/chat/completions",
                backend, provider, "req-1", trace, 13));

        assertEquals(fromMap, fromCopy);
        assertTrue(fromCopy.contains("\r\ncontent-type: application/json\r\n"), "no Content-Type came: " + fromCopy);
        assertTrue(fromCopy.contains("\r\nx-multi: a\r\n")
                && fromCopy.indexOf("\r\nx-multi: a\r\n") < fromCopy.indexOf("\r\nX-MULTI: b\r\n"), fromCopy);
        assertTrue(fromCopy.contains("\r\nx-title: Example App\r\n") && !fromCopy.contains("the client's"), fromCopy);
        assertTrue(fromCopy.contains("Bearer sk-provider") && !fromCopy.contains("sk-gateway")
                && !fromCopy.contains("sk-other"), "no credential of the client's: " + fromCopy);
        assertFalse(fromCopy.contains("x-hop") || fromCopy.contains("keep-alive"), fromCopy);
        final boolean clientTrace = trace.fromClient();
        assertEquals(clientTrace, fromCopy.contains("TraceState: congo=t61rcWkgMzE\r\n"), fromCopy);
        assertEquals(clientTrace, fromCopy.contains("tracestate: rojo=00f067aa0ba902b7\r\n"), fromCopy);
        assertEquals(traceparent.startsWith("00-4bf9"), clientTrace);
    }

    private static ClientFields fields(HttpHeaders headers, Predicate<CharSequence> sent, boolean copied) {
        final ClientFields fields = ClientFields.of(headers, sent);
        if (copied) {
            fields.keepCopy();
        }
        return fields;
    }

    private ByteBuf headWith(ClientFields fields) {
        final RequestHead head = RequestHead.start(alloc, HttpMethod.POST, "/", List.of());
        fields.writeSent(head);
        return head.end();
    }

    private static String text(ByteBuf head) {
        try {
            return head.toString(StandardCharsets.ISO_8859_1);
        } finally {
            head.release();
        }
    }
}
