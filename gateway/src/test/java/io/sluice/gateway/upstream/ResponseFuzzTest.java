package io.sluice.gateway.upstream;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing (Jazzer) of what a backend's bytes meet first: {@link ResponseDecoder}. The oracle is that
 * the first response reads the same whether its bytes come in one read or cut where the fuzzer chooses (its status,
 * its body, whether it ended, whether it was refused), that only a last piece is empty, that nothing is heard after a
 * refusal, and that a refusal's reason quotes none of the input. Leaks fail through paranoid leak detection. The
 * normal test run replays the seeds and fuzzes briefly; {@code bench/fuzz.sh} fuzzes longer.
 */
class ResponseFuzzTest {
    private static final int ECHO_PROBE = 12;
    /**
     * A window of the input made only of what a reason's own prose is made of: the fuzzer, which sees the test's
     * string comparisons, learns to spell a reason's words in a response, and a reason that names a field is not
     * quoting a response that spells it. A reason that quoted the response would quote its other bytes too.
     */
    private static final Pattern PROSE = Pattern.compile("[A-Za-z0-9 ,.()/-]*");

    /** What the first response looked like to the sink. */
    private static final class FirstResponse implements ResponseDecoder.Sink {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status = -1;
        boolean ended;
        String refusal;

        @Override
        public void onHead(ResponseHead head) {
            assertNull(refusal, "nothing after a refusal");
            if (status < 0) {
                status = head.status();
            }
        }

        @Override
        public void onBody(ByteBuf piece, boolean last) {
            try {
                assertNull(refusal, "nothing after a refusal");
                assertTrue(last || piece.isReadable(), "only a last piece may be empty");
                if (!ended) {
                    final byte[] bytes = new byte[piece.readableBytes()];
                    piece.getBytes(piece.readerIndex(), bytes);
                    body.writeBytes(bytes);
                }
            } finally {
                piece.release();
            }
            ended |= last;
        }

        @Override
        public void onMalformed(String reason) {
            assertNull(refusal, "one refusal at most");
            refusal = reason;
        }

        String outcome() {
            return status + " " + ended + " " + (refusal != null && !ended) + " " + Arrays.toString(body.toByteArray());
        }
    }

    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"HTTP/1.1 200 OK\\x0d\\x0a", "HTTP/1.0 ", "HTTP/1.1 100 Continue\\x0d\\x0a\\x0d\\x0a",
        "content-length: ", "transfer-encoding: chunked\\x0d\\x0a", "connection: close\\x0d\\x0a",
        "\\x0d\\x0a\\x0d\\x0a", "\\x0d\\x0a", "0\\x0d\\x0a\\x0d\\x0a", ";ext=1", " 204 ", " 304 ", " 101 "})
    void upstreamResponses(byte[] input) {
        final FirstResponse whole = decode(input, new Random(0), true);
        final FirstResponse cut = decode(input, new Random(Arrays.hashCode(input)), false);
        assertEquals(whole.outcome(), cut.outcome(), "the first response reads the same however its reads are cut");
        if (whole.refusal != null) {
            final String text = new String(input, StandardCharsets.ISO_8859_1);
            for (int i = 0; i + ECHO_PROBE <= text.length(); i += ECHO_PROBE) {
                final String window = text.substring(i, i + ECHO_PROBE);
                assertFalse(!PROSE.matcher(window).matches() && whole.refusal.contains(window),
                        "the reason quotes the response: " + whole.refusal);
            }
        }
    }

    private static FirstResponse decode(byte[] input, Random cuts, boolean oneRead) {
        final ResponseDecoder decoder = new ResponseDecoder();
        final FirstResponse sink = new FirstResponse();
        int at = 0;
        while (at < input.length) {
            final int length = oneRead ? input.length
                    : Math.min(input.length - at, 1 + cuts.nextInt(cuts.nextBoolean() ? 8 : 512));
            final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(length);
            read.writeBytes(input, at, length);
            try {
                decoder.decode(read, sink);
                assertFalse(read.isReadable(), "every read is consumed");
            } finally {
                read.release();
            }
            at += length;
        }
        decoder.endOfInput(sink);
        return sink;
    }
}
