package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.sse.SseData;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.StreamDelta;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiStreamDecoderTest {

    /** Every delta of a recorded stream, in order. */
    private static List<StreamDelta> deltas(String sample) {
        final byte[] bytes = WireSamples.bytes(sample);
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        final SseEventFramer framer = new SseEventFramer();
        final CaptureBuffer data = new CaptureBuffer(256, 1 << 20);
        final List<StreamDelta> deltas = new ArrayList<>();
        try {
            int start = 0;
            int end;
            while ((end = framer.nextEventEnd(buf, start, bytes.length)) >= 0) {
                if (SseData.copyData(buf, start, end, data)) {
                    final StreamDelta delta = OpenAiStreamDecoder.read(data.array(), data.length());
                    if (delta != null) {
                        deltas.add(delta);
                    }
                }
                start = end;
            }
        } finally {
            buf.release();
        }
        return deltas;
    }

    @Test
    void textStreamsAddUpToTheAnswerAndEndWithUsage() {
        final List<StreamDelta> deltas = deltas("openai_chat_stream_usage_2024_gpt4o.txt");
        final StringBuilder text = new StringBuilder();
        deltas.forEach(d -> text.append(d.content()));
        assertEquals("stop", deltas.stream().filter(d -> d.finishReason() != null).findFirst().orElseThrow()
                .finishReason());
        assertEquals(new Usage(14, 30, 44, 0, 0), deltas.get(deltas.size() - 1).usage());
        assertTrue(text.toString().endsWith(" weather app."), text.toString());
    }

    @Test
    void parallelToolCallsAssembleByIndex() {
        final Map<Integer, String> names = new TreeMap<>();
        final Map<Integer, StringBuilder> arguments = new TreeMap<>();
        for (StreamDelta delta : deltas("openai_chat_stream_parallel_tool_calls.txt")) {
            for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
                if (!piece.name().isEmpty()) {
                    names.put(piece.index(), piece.name());
                }
                arguments.computeIfAbsent(piece.index(), i -> new StringBuilder()).append(piece.arguments());
            }
        }
        assertEquals(2, names.size(), names.toString());
        for (StringBuilder json : arguments.values()) {
            assertEquals('{', json.charAt(0));
            assertEquals('}', json.charAt(json.length() - 1));
        }
    }

    @Test
    void aMidStreamErrorIsTheDeltasError() {
        final List<StreamDelta> deltas = deltas("openrouter_midstream_error_reconstructed.txt");
        assertEquals("Partial", deltas.get(0).content());
        assertEquals("Provider disconnected unexpectedly", deltas.get(1).error());
        assertEquals("error", deltas.get(1).finishReason());
    }

    @Test
    void reasoningComesUnderEitherName() {
        final byte[] vllm = "{\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}"
                .getBytes(StandardCharsets.UTF_8);
        final byte[] openRouter = "{\"choices\":[{\"delta\":{\"reasoning\":\"hmm\",\"content\":null}}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("think", OpenAiStreamDecoder.read(vllm, vllm.length).reasoning());
        final StreamDelta delta = OpenAiStreamDecoder.read(openRouter, openRouter.length);
        assertEquals("hmm", delta.reasoning());
        assertEquals("", delta.content());
    }

    @Test
    void aWholeCompletionReadsLikeOneBigDelta() {
        final byte[] body = WireSamples.bytes("openai_chat_nonstream_tool_calls_normalized.json");
        final StreamDelta delta = OpenAiStreamDecoder.read(body, body.length);
        assertEquals("tool_calls", delta.finishReason());
        assertEquals(381, delta.usage().totalTokens());
        assertEquals("get_current_weather", delta.toolCalls().get(0).name());
    }

    @Test
    void doneAndNonJsonDataAreNoDelta() {
        final byte[] done = "[DONE]".getBytes(StandardCharsets.UTF_8);
        assertNull(OpenAiStreamDecoder.read(done, done.length));
    }
}
