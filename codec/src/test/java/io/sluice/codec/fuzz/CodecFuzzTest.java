package io.sluice.codec.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.codec.json.RequestScanner;
import io.sluice.codec.json.TopLevelObjectCapture;
import io.sluice.codec.proto.ProtoJson;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.StreamUsageTee;
import io.sluice.codec.usage.Usage;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.DirectBuffers;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing (Jazzer) of the byte-level codecs that see client and backend bytes. Each target cuts its
 * input at points the fuzzer picks, as a network would, and fails on any exception other than the codec's own way
 * of refusing input, on an answer that depends on where the bytes were cut, and (through the build's paranoid leak
 * detection) on a leaked buffer.
 *
 * <p>In the normal test run each target replays its seeds in {@code CodecFuzzTestInputs/} and fuzzes for a few
 * seconds in an execution of its own (Jazzer fuzzes one target per JVM); {@code bench/fuzz.sh} fuzzes each for
 * longer.
 */
class CodecFuzzTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** The input, cut at the offsets the fuzzer chose, as pooled buffers the caller must release. */
    private static List<ByteBuf> pieces(FuzzedDataProvider data) {
        final int cuts = data.consumeInt(0, 8);
        final int[] lengths = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            lengths[i] = data.consumeInt(0, 256);
        }
        final byte[] bytes = data.consumeRemainingAsBytes();
        final List<ByteBuf> pieces = new ArrayList<>();
        int at = 0;
        for (int length : lengths) {
            final int end = Math.min(bytes.length, at + length);
            pieces.add(ALLOC.buffer(end - at).writeBytes(bytes, at, end - at));
            at = end;
        }
        pieces.add(ALLOC.buffer(bytes.length - at).writeBytes(bytes, at, bytes.length - at));
        return pieces;
    }

    private static byte[] join(List<ByteBuf> pieces) {
        final ByteBuf all = Unpooled.buffer();
        pieces.forEach(piece -> all.writeBytes(piece, piece.readerIndex(), piece.readableBytes()));
        final byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        return bytes;
    }

    /** The request scanner and the splice: a composite of pieces reads as the bytes whole, and edits keep JSON valid. */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"{", "}", "[", "]", ":", ",", "\"model\"", "\"stream\"", "\"stream_options\"",
        "\"include_usage\"", "true", "false", "null", "\"\\xc3\\xa9\"", "\\\""})
    void requestScanAndSplice(FuzzedDataProvider data) throws IOException {
        final List<ByteBuf> pieces = pieces(data);
        final CompositeByteBuf composite = ALLOC.compositeBuffer(pieces.size());
        pieces.forEach(piece -> composite.addComponent(true, piece));
        final ByteBuf whole = Unpooled.wrappedBuffer(join(List.of(composite)));
        try {
            final RequestFields fromPieces = scanOrNull(composite);
            final RequestFields fromWhole = scanOrNull(whole);
            assertEquals(fromWhole, fromPieces, "the answer depends on where the body was cut");
            if (fromWhole != null && fromWhole.model() != null) {
                final ByteBuf spliced = JsonSplice.apply(ALLOC, whole, List.of(JsonSplice.Edit.replace(
                        fromWhole.modelValue(), Json.quotedUtf8("renamed"))));
                try {
                    final RequestFields again = RequestScanner.scan(spliced);
                    assertEquals("renamed", again.model());
                } catch (MalformedRequestException e) {
                    throw new AssertionError("the splice broke a valid body: " + e.getMessage(), e);
                } finally {
                    spliced.release();
                }
            }
        } finally {
            composite.release();
            whole.release();
        }
    }

    private static RequestFields scanOrNull(ByteBuf body) {
        try {
            return RequestScanner.scan(body);
        } catch (MalformedRequestException refused) {
            return null;
        }
    }

    /** The SSE framer and the usage tee: the same events and the same usage however the stream is cut. */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"data: ", "data:", "\\x0a\\x0a", "\\x0d\\x0a\\x0d\\x0a", "\\x0d\\x0d", "\\x0a", "\\x0d", ": ping\\x0a\\x0a", "event: ",
        "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}", "\"choices\":[]",
        "[DONE]"})
    void sseFramerAndUsageTee(FuzzedDataProvider data) {
        final List<ByteBuf> pieces = pieces(data);
        try {
            final byte[] bytes = join(pieces);
            final Outcome whole = frame(List.of(Unpooled.wrappedBuffer(bytes)), Unpooled.buffer());
            // The cut stream is kept in direct memory, whose bytes the framer and the tee read themselves.
            final Outcome cut = frame(pieces, DirectBuffers.growable());
            assertEquals(whole, cut, "the answer depends on where the stream was cut");
        } finally {
            pieces.forEach(ByteBuf::release);
        }
    }

    /**
     * The JSON usage tee's capture: pieces in direct memory, which it reads a nested value or a string at a time, give
     * the same captured bytes (or none) as the whole body in a heap buffer, which it reads byte by byte through its
     * state machine. The capture's limit is fuzzed too, so that a value overflows it at any point.
     */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"{", "}", "[", "]", ":", ",", "\"usage\"", "\"usage\":{", "\"prompt_tokens\":",
        "\"completion_tokens\":", "\"choices\":[{", "\\\"", "\\\\", "null"})
    void jsonUsageTee(FuzzedDataProvider data) {
        final int limit = data.consumeInt(1, 512);
        final List<ByteBuf> pieces = pieces(data);
        final ByteBuf whole = Unpooled.wrappedBuffer(join(pieces));
        try {
            final CaptureBuffer cutBytes = new CaptureBuffer(16, limit);
            final TopLevelObjectCapture cut = new TopLevelObjectCapture("usage", cutBytes);
            pieces.forEach(piece -> cut.feed(piece, piece.readerIndex(), piece.writerIndex()));
            final CaptureBuffer wholeBytes = new CaptureBuffer(16, limit);
            final TopLevelObjectCapture read = new TopLevelObjectCapture("usage", wholeBytes);
            read.feed(whole, whole.readerIndex(), whole.writerIndex());
            assertEquals(read.captured(), cut.captured(), "whether the value was captured depends on the reading");
            if (read.captured()) {
                assertArrayEquals(Arrays.copyOf(wholeBytes.array(), wholeBytes.length()),
                        Arrays.copyOf(cutBytes.array(), cutBytes.length()), "the captured bytes depend on the reading");
            }
        } finally {
            pieces.forEach(ByteBuf::release);
            whole.release();
        }
    }

    /** The places {@code searched} found before {@code end} are the ones {@code placed} holds, nothing more. */
    private static void assertSamePlaces(BytePlaces searched, BytePlaces placed, int end) {
        int k = 0;
        for (; k < searched.count() && searched.at(k) < end; k++) {
            assertEquals(searched.at(k), placed.at(k), "a letter's place");
            assertEquals(searched.byteAt(k), placed.byteAt(k), "a letter");
            assertEquals(searched.around(k), placed.around(k), "the bytes around a letter");
            assertEquals(searched.after(k), placed.after(k), "the bytes after those");
        }
        assertEquals(k, placed.count(), "the letters of the event");
    }

    private record Outcome(List<Integer> eventEnds, Usage usage, List<Boolean> dropped) {
    }

    /**
     * Frames the pieces through {@code pending}, which holds the event still open (as the relay does); releases it.
     * Where the framer places its letters in an event, they are the ones a search of the event finds; the tee is shown
     * the framer's places, or the search's where the framer has none.
     */
    private static Outcome frame(List<ByteBuf> pieces, ByteBuf pending) {
        final SseEventFramer framer = new SseEventFramer((byte) 'g', (byte) '_');
        final BytePlaces searched = new BytePlaces();
        final StreamUsageTee tee = new StreamUsageTee(true);
        final List<Integer> ends = new ArrayList<>();
        final List<Boolean> dropped = new ArrayList<>();
        int offset = 0;
        try {
            for (ByteBuf piece : pieces) {
                final int start = pending.writerIndex();
                pending.writeBytes(piece, piece.readerIndex(), piece.readableBytes());
                int from = start;
                int end;
                while ((end = framer.nextEventEnd(pending, from, pending.writerIndex())) >= 0) {
                    BytePlaces letters = framer.places();
                    if (letters != null) {
                        searched.collect(pending, from, pending.writerIndex(), (byte) 'g', (byte) '_');
                        assertSamePlaces(searched, letters, end);
                    } else {
                        // An event the framer did not see whole: its letters are searched, as the watcher does.
                        searched.collect(pending, pending.readerIndex(), end, (byte) 'g', (byte) '_');
                        letters = searched;
                    }
                    ends.add(offset + end);
                    dropped.add(tee.onEvent(pending, pending.readerIndex(), end, letters));
                    pending.readerIndex(end);
                    from = end;
                }
                offset += pending.readerIndex();
                pending.discardReadBytes();
            }
            return new Outcome(ends, tee.usage(), dropped);
        } finally {
            pending.release();
        }
    }

    /** The WebSocket JSON mapping: refuses with the parser's own exceptions, and what it reads writes back the same. */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"{\"request\":{", "\"request_id\"", "\"model\"", "\"messages\":[", "\"role\"",
        "\"content\"", "\"stream\":true", "\"cancel\":{", "\"tools\"", "\"metadata\":{"})
    void webSocketJson(FuzzedDataProvider data) throws IOException {
        final byte[] bytes = data.consumeRemainingAsBytes();
        final WebSocketMessage.Builder builder = WebSocketMessage.newBuilder();
        try (JsonParser p = Json.FACTORY.createParser(bytes)) {
            if (p.nextToken() == null) {
                return;
            }
            ProtoJson.read(p, builder);
        } catch (IOException refused) {
            return;
        }
        final WebSocketMessage read = builder.build();
        final StringWriter out = new StringWriter();
        try (var g = Json.FACTORY.createGenerator(out)) {
            ProtoJson.write(read, g);
        }
        final WebSocketMessage.Builder again = WebSocketMessage.newBuilder();
        try (JsonParser p = Json.FACTORY.createParser(out.toString())) {
            p.nextToken();
            ProtoJson.read(p, again);
        }
        assertEquals(read, again.build(), "a message does not survive being written and read back");
    }

    /** The WebSocket Protobuf frames: refused only with InvalidProtocolBufferException. */
    @FuzzTest(maxDuration = "5s")
    void webSocketProtobuf(FuzzedDataProvider data) {
        final byte[] bytes = data.consumeRemainingAsBytes();
        try {
            final WebSocketMessage message = WebSocketMessage.parseFrom(bytes);
            assertEquals(message, WebSocketMessage.parseFrom(message.toByteArray()));
        } catch (InvalidProtocolBufferException refused) {
            Objects.requireNonNull(refused);
        }
    }
}
