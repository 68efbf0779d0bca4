package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream response decoder over reads cut every way: heads, bodies by length, chunks (with extensions and
 * trailers, dropped) and until close; interim responses skipped; every framing a pooled connection could read two
 * ways refused with a reason that quotes nothing; bytes after a response's end keep its connection out of the pool.
 */
class ResponseDecoderTest {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            + "transfer-encoding: chunked\r\n\r\n";

    /** What the sink heard: heads, the body's bytes, whether and how the response ended. */
    private static final class Recording implements ResponseDecoder.Sink {
        final ResponseDecoder decoder = new ResponseDecoder();
        final List<ResponseHead> heads = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        /** For each piece, what its buffer holds before and after its readable bytes, joined by a bar. */
        final List<String> framings = new ArrayList<>();
        int ends;
        String malformed;
        /** {@link ResponseDecoder#betweenResponses()} as the last piece was handed over. */
        Boolean reusableAtEnd;

        @Override
        public void onHead(ResponseHead head) {
            assertFalse(decoder.betweenResponses(), "a connection whose response has begun is never pooled");
            heads.add(head);
        }

        @Override
        public void onBody(ByteBuf piece, boolean last) {
            try {
                assertTrue(last || piece.isReadable(), "only a last piece may be empty");
                framings.add(piece.toString(0, piece.readerIndex(), StandardCharsets.ISO_8859_1) + "|"
                        + piece.toString(piece.writerIndex(), piece.capacity() - piece.writerIndex(),
                        StandardCharsets.ISO_8859_1));
                final byte[] bytes = new byte[piece.readableBytes()];
                piece.readBytes(bytes);
                body.writeBytes(bytes);
            } finally {
                piece.release();
            }
            if (last) {
                ends++;
                reusableAtEnd = decoder.betweenResponses();
            }
        }

        @Override
        public void onMalformed(String reason) {
            assertNull(malformed, "one refusal at most");
            malformed = reason;
        }

        /** Feeds {@code text} in reads of {@code size} bytes, as pooled direct buffers like a socket's. */
        Recording feed(String text, int size) {
            final byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            for (int at = 0; at < bytes.length; at += size) {
                final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer();
                read.writeBytes(bytes, at, Math.min(size, bytes.length - at));
                try {
                    decoder.decode(read, this);
                    assertFalse(read.isReadable(), "every read is consumed");
                } finally {
                    read.release();
                }
            }
            return this;
        }

        String bodyText() {
            return body.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static final int[] CUTS = {1, 2, 3, 7, 64, 1 << 20};

    @Test
    void aResponseWithALengthIsReadWholeHoweverItsReadsAreCut() {
        final String response = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "X-Request-Id:  \t req-1 \t\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
        for (int cut : CUTS) {
            final Recording seen = new Recording().feed(response, cut);
            assertEquals(1, seen.heads.size(), "cut " + cut);
            final ResponseHead head = seen.heads.get(0);
            assertEquals(200, head.status());
            assertEquals(11, head.contentLength());
            assertTrue(head.keepAlive());
            assertTrue(head.isContentType(HttpHeaderValues.APPLICATION_JSON));
            assertFalse(head.isContentType(HttpHeaderValues.TEXT_EVENT_STREAM));
            assertEquals("req-1", head.get(AsciiString.cached("x-request-id")).toString(),
                    "spaces and tabs around a value are not part of it");
            assertEquals(3, head.size());
            assertEquals("Content-Type", head.name(0).toString());
            assertEquals("{\"ok\":true}", seen.bodyText());
            assertEquals(1, seen.ends);
            assertTrue(seen.reusableAtEnd);
            assertNull(seen.malformed);
        }
    }

    @Test
    void chunksAreReadWithTheirExtensionsAndTrailersDropped() {
        final String response = SSE_HEAD + "5\r\nhello\r\n"
                + "7;name=\"va;lue\"\r\n, world\r\n"
                + "0000A \t;last\r\n0123456789\r\n"
                + "0\r\nx-checksum: 1\r\nx-other: 2\r\n\r\n";
        for (int cut : CUTS) {
            final Recording seen = new Recording().feed(response, cut);
            assertEquals("hello, world0123456789", seen.bodyText(), "cut " + cut);
            assertEquals(1, seen.ends);
            assertEquals(ResponseHead.NO_LENGTH, seen.heads.get(0).contentLength());
            assertTrue(seen.reusableAtEnd);
            assertNull(seen.malformed);
        }
    }

    @Test
    void aChunkWholeInOneReadIsHandedOverWithItsOwnFramingAroundItsData() {
        final Recording seen = new Recording().feed(SSE_HEAD + "5\r\nhello\r\n3;x=1\r\nabc\r\n4\r\nwo", 1 << 20)
                .feed("rl\r\n2\r\nd!\r\n0\r\n\r\n", 1 << 20);
        assertEquals("helloabcworld!", seen.bodyText());
        assertEquals(List.of("5\r\n|\r\n", "3;x=1\r\n|\r\n", "|", "|", "2\r\n|\r\n", "|"), seen.framings,
                "a chunk begun or ended in another read is its data alone");
        assertTrue(seen.reusableAtEnd);

        final Recording crlfLater = new Recording().feed(SSE_HEAD + "5\r\nhello", 1 << 20).feed("\r\n0\r\n\r\n", 1 << 20);
        assertEquals(List.of("|", "|"), crlfLater.framings, "without its CRLF in the read, the data alone");
        final Recording badEnd = new Recording().feed(SSE_HEAD + "5\r\nhelloXY0\r\n\r\n", 1 << 20);
        assertEquals("|", badEnd.framings.get(0), "bytes after the data that are not CR LF are not taken with it");
        assertNotNull(badEnd.malformed);
    }

    @Test
    void oneConnectionCarriesResponseAfterResponse() {
        final Recording seen = new Recording();
        seen.feed("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", 1 << 20);
        seen.feed(SSE_HEAD + "3\r\nabc\r\n0\r\n\r\n", 5);
        seen.feed("HTTP/1.1 429 Too Many Requests\r\nretry-after: 3\r\ncontent-length: 0\r\n\r\n", 1 << 20);
        assertEquals(3, seen.heads.size());
        assertEquals(3, seen.ends);
        assertEquals("{}abc", seen.bodyText());
        assertEquals("3", seen.heads.get(2).get(HttpHeaderNames.RETRY_AFTER).toString());
        assertTrue(seen.decoder.betweenResponses());
    }

    /**
     * Connections of one thread share the array a head is gathered in: a head split across reads must keep its first
     * part while other connections read theirs, among them one larger than the array at first. On a thread of its
     * own, so that the array is as a new event loop's.
     */
    @Test
    void connectionsOfOneThreadReadTheirHeadsApartWhateverTheirReadsInterleave() throws Exception {
        onAFreshThread(() -> {
            for (int cut : CUTS) {
                final Recording one = new Recording();
                final Recording two = new Recording();
                final Recording three = new Recording();
                // The first and second start their heads, the third reads its response whole, then the others end.
                one.feed(response("first", 0).substring(0, 20), cut);
                two.feed(response("second", 3000).substring(0, 1500), cut);
                three.feed(response("third", 0), 1 << 20);
                two.feed(response("second", 3000).substring(1500), cut);
                one.feed(response("first", 0).substring(20), cut);
                assertRead(one, "first", 0);
                assertRead(two, "second", 3000);
                assertRead(three, "third", 0);
            }
        });
    }

    /** A head the connection keeps between its reads grows in the connection's array, never in the thread's. */
    @Test
    void aHeadThatGrowsBetweenItsReadsNeverTakesTheThreadsArray() throws Exception {
        onAFreshThread(() -> {
            final String second = response("second", 3000);
            final Recording one = new Recording();
            final Recording two = new Recording();
            two.feed(second.substring(0, 700), 1 << 20);
            two.feed(second.substring(700, 2500), 1 << 20);
            one.feed(response("first", 2000), 1 << 20);
            two.feed(second.substring(2500), 1 << 20);
            assertRead(one, "first", 2000);
            assertRead(two, "second", 3000);
        });
    }

    /** A response whose head names it and carries a field of {@code padding} digits, and a one-byte body. */
    private static String response(String name, int padding) {
        return "HTTP/1.1 200 OK\r\n" + (padding > 0 ? "x-padding: " + "9".repeat(padding) + "\r\n" : "")
                + "x-from: " + name + "\r\ncontent-length: 1\r\n\r\n" + name.charAt(0);
    }

    private static void assertRead(Recording seen, String name, int padding) {
        assertNull(seen.malformed, name);
        assertEquals(1, seen.heads.size(), name);
        final ResponseHead head = seen.heads.get(0);
        assertEquals(name, head.get(AsciiString.cached("x-from")).toString());
        if (padding > 0) {
            assertEquals(padding, head.get(AsciiString.cached("x-padding")).length());
        }
        assertEquals(name.substring(0, 1), seen.bodyText());
        assertEquals(1, seen.ends);
        assertTrue(seen.reusableAtEnd);
    }

    /** Runs {@code test} on a new thread and rethrows what it threw. */
    private static void onAFreshThread(Runnable test) throws Exception {
        final Throwable[] thrown = new Throwable[1];
        final Thread thread = new Thread(() -> {
            try {
                test.run();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        thread.start();
        thread.join();
        if (thrown[0] instanceof Error error) {
            throw error;
        }
        if (thrown[0] != null) {
            throw new AssertionError(thrown[0]);
        }
    }

    @Test
    void textBeyondAsciiIsAllowedInTheReasonAndTheValues() {
        final Recording seen = new Recording().feed("HTTP/1.1 200 D\u00f6n\u00e9\r\nx-name: caf\u00e9 \u00ff\r\n"
                + "content-length: 0\r\n\r\n", 1 << 20);
        assertNull(seen.malformed);
        assertEquals("caf\u00e9 \u00ff", seen.heads.get(0).get(AsciiString.cached("x-name")).toString(),
                "obs-text bytes are read one char each");
    }

    @Test
    void interimResponsesAreSkipped() {
        final Recording seen = new Recording().feed("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", 4);
        assertEquals(1, seen.heads.size());
        assertEquals(200, seen.heads.get(0).status());
        assertEquals("ok", seen.bodyText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"204 No Content\r\ncontent-length: 5", "304 Not Modified\r\ntransfer-encoding: chunked",
        "200 OK\r\ncontent-length: 0"})
    void aResponseWithoutABodyEndsAtItsHead(String statusAndHeader) {
        final Recording seen = new Recording().feed("HTTP/1.1 " + statusAndHeader + "\r\n\r\n", 1 << 20);
        assertEquals(1, seen.ends);
        assertEquals("", seen.bodyText());
        assertTrue(seen.reusableAtEnd);
    }

    @Test
    void aBodyWithoutFramingRunsUntilCloseAndTheConnectionIsNotKept() {
        final Recording seen = new Recording().feed("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of "
                + "it", 3);
        assertFalse(seen.heads.get(0).keepAlive());
        assertEquals(0, seen.ends);
        seen.decoder.endOfInput(seen);
        assertEquals(1, seen.ends);
        assertEquals("all of it", seen.bodyText());
        assertFalse(seen.reusableAtEnd);
    }

    @Test
    void aCloseMidBodyEndsNothing() {
        final Recording seen = new Recording().feed(SSE_HEAD + "5\r\nhel", 1 << 20);
        seen.decoder.endOfInput(seen);
        assertEquals(0, seen.ends, "a cut stream is not a whole one");
        assertFalse(seen.decoder.betweenResponses());
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\ncontent-length: 2\r\n\r\n",
        "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n", "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\n"
        + "content-length: 2\r\n\r\n", "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\n"
        + "transfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"})
    void keepAliveFollowsTheVersionAndTheConnectionHeader(String head) {
        final Recording seen = new Recording().feed(head.contains("chunked") ? head : head + "{}", 1 << 20);
        assertEquals("{}", seen.bodyText());
        // HTTP/1.0 has no chunked coding: its framing is read, but not trusted for another response after it.
        final boolean expected = head.startsWith("HTTP/1.1") ? !head.contains("Close")
                : head.contains("keep-alive") && !head.contains("chunked");
        assertEquals(expected, seen.heads.get(0).keepAlive());
    }

    @Test
    void bytesAfterAResponsesEndKeepItsConnectionOutOfThePool() {
        final Recording seen = new Recording().feed("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
                + "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"evil\":true}", 1 << 20);
        assertEquals("{}", seen.bodyText(), "the response itself is whole");
        assertEquals(1, seen.heads.size(), "what followed is never read as a response");
        assertFalse(seen.reusableAtEnd, "the connection was marked before its end was heard");
        assertTrue(seen.decoder.broken());
        seen.feed("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", 1 << 20);
        assertEquals(1, seen.heads.size(), "nothing more is read from it");
    }

    /** Each is a response a pooled connection could read more than one way, or that breaks HTTP/1.1's grammar. */
    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
        "HTTP/1.1 200 OK\r\ncontent-length: 5, 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-length: +5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\ncontent-length: 1234567890123456789\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ntransfer-encoding: identity\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-folded: a\r\n b\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\tx-folded: a\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-length: 0\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\n",
        "HTTP/1.1 200 OK\r\ncontent-length : 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-cr: a\rb\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nx-nul: a\u0000b\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200 O\rK\r\ncontent-length: 0\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/2.0 200 OK\r\ncontent-length: 0\r\n\r\n",
        "http/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 20 OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 600 Beyond\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 200OK\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
        SSE_HEAD + "80000000\r\n",
        SSE_HEAD + "ffffffffffffffffff1\r\n",
        SSE_HEAD + "0x5\r\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "\r\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "-5\r\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "5 x\r\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "5\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "5;ext\nhello\r\n0\r\n\r\n",
        SSE_HEAD + "5\r\nhelloXY0\r\n\r\n",
        SSE_HEAD + "5\r\nhello\n0\r\n\r\n",
        SSE_HEAD + "5\r\nhello\r\n0\r\nx-trailer: a\n\r\n",
        SSE_HEAD + "0\r\n\n",
    })
    void aResponseThatCouldBeReadTwoWaysIsRefused(String response) {
        for (int cut : CUTS) {
            final Recording seen = new Recording().feed(response, cut);
            assertNotNull(seen.malformed, "cut " + cut + ": " + response);
            assertTrue(seen.decoder.broken());
            assertFalse(seen.decoder.betweenResponses());
            assertEquals(0, seen.ends, "a refused response never ends well");
            assertQuotesNothing(seen.malformed, response);
        }
    }

    @Test
    void headsExtensionsAndTrailersAreBounded() {
        final String hugeHeader = "x-big: " + "a".repeat(ResponseDecoder.MAX_HEAD_BYTES) + "\r\n";
        assertTrue(new Recording().feed("HTTP/1.1 200 OK\r\n" + hugeHeader + "\r\n", 4096).malformed
                .contains("larger than"));
        final String longExtension = ";e=" + "v".repeat(ResponseDecoder.MAX_CHUNK_LINE_BYTES);
        assertNotNull(new Recording().feed(SSE_HEAD + "1" + longExtension + "\r\na\r\n0\r\n\r\n", 512).malformed);
        final String manySpaces = " ".repeat(ResponseDecoder.MAX_CHUNK_LINE_BYTES);
        assertNotNull(new Recording().feed(SSE_HEAD + "1" + manySpaces + "\r\na\r\n0\r\n\r\n", 512).malformed);
        final String manyZeros = "0".repeat(ResponseDecoder.MAX_CHUNK_LINE_BYTES);
        assertNotNull(new Recording().feed(SSE_HEAD + manyZeros + "1\r\na\r\n0\r\n\r\n", 512).malformed);
        final String manyTrailers = ("x-t: " + "t".repeat(1000) + "\r\n").repeat(70);
        assertTrue(new Recording().feed(SSE_HEAD + "0\r\n" + manyTrailers + "\r\n", 4096).malformed
                .contains("trailers"));
        final Recording justUnder = new Recording().feed("HTTP/1.1 200 OK\r\nx-big: "
                + "a".repeat(60_000) + "\r\ncontent-length: 1\r\n\r\n!", 1000);
        assertNull(justUnder.malformed, "a large head within the limit is read");
        assertEquals("!", justUnder.bodyText());
    }

    /** No run of the response's bytes long enough to mean something appears in the reason. */
    private static void assertQuotesNothing(String reason, String response) {
        for (int i = 0; i + 12 <= response.length(); i++) {
            final String probe = response.substring(i, i + 12);
            assertFalse(reason.contains(probe), "the reason quotes the response: " + reason);
        }
    }
}
