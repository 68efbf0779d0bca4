package io.sluice.codec.usage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential fuzzing (Jazzer) of {@link PlainUsageReader} against Jackson: every usage object and every stream event
 * it reads must be read by Jackson to the same counts, since usage must be exact whichever reader read it. Jazzer's
 * inputs are at most 4,096 bytes, {@link PlainUsageReader#MAX_LENGTH}. In the normal test run the target replays its
 * seeds in {@code UsageReaderFuzzTestInputs/} and fuzzes for a few seconds in an execution of its own;
 * {@code bench/fuzz.sh} fuzzes it for longer.
 */
class UsageReaderFuzzTest {
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"{", "}", "[", "]", ":", ",", " ", "\"", "\\", "-", ".", "e", "0", "9", "true", "null",
        "\"prompt_tokens\"", "\"completion_tokens\"", "\"total_tokens\"", "\"input_tokens\"", "\"output_tokens\"",
        "\"cache_read_input_tokens\"", "\"cache_creation_input_tokens\"", "\"prompt_tokens_details\"",
        "\"completion_tokens_details\"", "\"input_tokens_details\"", "\"output_tokens_details\"", "\"cached_tokens\"",
        "\"reasoning_tokens\"", "\"usage\"", "\"choices\"", "\"response\"", "[]"})
    void plainUsageReader(byte[] json) {
        final Usage plain = PlainUsageReader.read(json, json.length);
        if (plain != null) {
            assertEquals(UsageReader.readUsageWithJackson(json, json.length), plain);
        }
        final EventUsage event = PlainUsageReader.readEvent(json, json.length);
        if (event != null) {
            assertEquals(UsageReader.readEventWithJackson(json, json.length),
                    event == PlainUsageReader.NO_USAGE ? null : event);
        }
    }
}
