package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.testkit.Splits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestScannerTest {

    @Test
    void findsModelStreamAndStreamOptionsWithTheirBytes() throws Exception {
        final String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"model: \\\"x\\\"\"}],"
                + " \"model\" : \"gpt-4o\", \"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":1}}";
        final RequestFields fields = scan(body);
        assertEquals(0, fields.objectStart());
        assertEquals("gpt-4o", fields.model());
        assertEquals("\"gpt-4o\"", text(body, fields.modelValue()));
        assertTrue(fields.stream());
        assertEquals("{\"include_usage\":false,\"x\":1}", text(body, fields.streamOptions()));
        assertFalse(fields.streamOptionsEmpty());
        assertEquals(JsonToken.VALUE_FALSE, fields.includeUsage().kind());
        assertEquals("false", text(body, fields.includeUsage()));
    }

    @Test
    void saysWhetherTheObjectIsEmptyAndWhetherItLimitsItsOutput() throws Exception {
        assertTrue(scan(" { } ").empty());
        assertFalse(scan("{}").maxTokens());
        final RequestFields nested = scan("{\"metadata\":{\"max_tokens\":5}}");
        assertFalse(nested.empty());
        assertFalse(nested.maxTokens(), "only a top-level field counts");
        assertTrue(scan("{\"max_tokens\":5}").maxTokens());
        assertTrue(scan("{\"max_completion_tokens\":5}").maxTokens());
        assertTrue(scan("{\"max_tokens\":null}").maxTokens(), "a null is there too");
    }

    @Test
    void readsHowManyTokensTheRequestAsksForAtMost() throws Exception {
        assertEquals(-1, scan("{}").maxTokensAsked());
        assertEquals(5, scan("{\"max_tokens\":5}").maxTokensAsked());
        assertEquals(700, scan("{\"max_tokens\":5,\"max_completion_tokens\":700}").maxTokensAsked());
        assertEquals(-1, scan("{\"max_tokens\":null}").maxTokensAsked());
        assertEquals(-1, scan("{\"max_tokens\":2.5}").maxTokensAsked());
        assertEquals(-1, scan("{\"max_tokens\":99999999999999999999999}").maxTokensAsked());
    }

    @Test
    void findsWhereThePromptBegins() throws Exception {
        final String chat = "{\"model\":\"m\", \"messages\" : [{\"role\":\"user\"}], \"input\":\"x\"}";
        assertEquals(chat.indexOf('['), scan(chat).promptStart());
        assertEquals(chat.indexOf(']') + 1, scan(chat).promptEnd());
        assertEquals(11, scan("{\"prompt\": \"hi\"}").promptStart());
        assertEquals(15, scan("{\"prompt\": \"hi\"}").promptEnd(), "past a string prompt's closing quote");
        assertEquals(18, scan("{\"input\":[\"a\",\"b\"] , \"x\":1}").promptEnd());
        assertEquals(-1, scan("{\"model\":\"m\"}").promptStart());
    }

    @Test
    void decodesEscapedModelNamesButSpansTheRawToken() throws Exception {
        final String body = "  {\"model\":\"gp\\u0074-\\\"4\\\"\",\"stream\":false}";
        final RequestFields fields = scan(body);
        assertEquals(2, fields.objectStart());
        assertEquals("gpt-\"4\"", fields.model());
        assertEquals("\"gp\\u0074-\\\"4\\\"\"", text(body, fields.modelValue()));
        assertFalse(fields.stream());
    }

    @Test
    void spansScalarAndEmptyStreamOptions() throws Exception {
        final String nullOptions = "{\"model\":\"m\",\"stream_options\":null ,\"stream\":true}";
        assertEquals("null", text(nullOptions, scan(nullOptions).streamOptions()));
        final String empty = "{\"model\":\"m\",\"stream_options\":{ },\"stream\":true}";
        final RequestFields fields = scan(empty);
        assertEquals("{ }", text(empty, fields.streamOptions()));
        assertTrue(fields.streamOptionsEmpty());
        assertNull(fields.includeUsage());
        final String off = "{\"stream_options\":{\"include_usage\":false},\"model\":\"m\"}";
        assertEquals("false", text(off, scan(off).includeUsage()));
    }

    @Test
    void absentFieldsAreNull() throws Exception {
        final RequestFields fields = scan("{\"input\":\"hello\"}");
        assertNull(fields.model());
        assertNull(fields.modelValue());
        assertNull(fields.streamOptions());
        assertFalse(fields.stream());
    }

    @Test
    void givesTheSameAnswerForABodyInManyBuffers() throws Exception {
        final String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "long ".repeat(3000)
                + "\"}],\"model\":\"llama\",\"stream\":true}";
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final CompositeByteBuf composite = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        for (byte[] piece : Splits.pieces(bytes, 7)) {
            composite.addComponent(true, Unpooled.wrappedBuffer(piece));
        }
        try {
            final RequestFields fields = RequestScanner.scan(composite);
            assertEquals("llama", fields.model());
            assertEquals("\"llama\"", text(body, fields.modelValue()));
            assertEquals(0, composite.readerIndex(), "the scan leaves the buffer's indexes alone");
        } finally {
            composite.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "[1,2]", "\"model\"", "{\"model\":\"a\"", "{\"model\":\"a\"} x",
            "{\"model\":\"a\"}{}", "{model:\"a\"}", "{\"model\":\"a\",}", "{\"model\":7}",
            "{\"model\":\"a\",\"model\":\"b\"}", "{\"stream\":true,\"stream\":false,\"model\":\"a\"}",
            "{\"model\":\"a\",\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}"})
    void rejectsWhatIsNotOneRoutableObject(String body) {
        final MalformedRequestException e = assertThrows(MalformedRequestException.class, () -> scan(body));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void rejectsNestingDeepEnoughToHurt() {
        final String body = "{\"model\":\"a\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        final MalformedRequestException e = assertThrows(MalformedRequestException.class, () -> scan(body));
        assertEquals("The request body is not valid JSON: it nests deeper than 512 levels or holds a name or "
                + "number too long to read.", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"model\":\"a\",\"stream\":\"true\"}|stream|Invalid type for 'stream': expected a boolean, but got a string instead.",
        "{\"model\":\"a\",\"stream\":1}|stream|Invalid type for 'stream': expected a boolean, but got a number instead.",
        "{\"model\":[\"a\"]}|model|Invalid type for 'model': expected a string, but got an array instead.",
        "{\"model\":\"a\",\"stream_options\":true}|stream_options|Invalid type for 'stream_options': expected an object, but got a boolean instead.",
        "{\"model\":\"a\",\"stream_options\":{\"include_usage\":\"yes\"}}|stream_options.include_usage|Invalid type for 'stream_options.include_usage': expected a boolean, but got a string instead."})
    void aRoutedFieldOfTheWrongTypeIsRefusedNamingIt(String body, String param, String message) {
        final MalformedRequestException e = assertThrows(MalformedRequestException.class, () -> scan(body));
        assertEquals(MalformedRequestException.Fault.TYPE, e.fault());
        assertEquals(param, e.param());
        assertEquals(message, e.getMessage());
    }

    @Test
    void nullMeansTheDefault() throws Exception {
        final RequestFields fields = scan("{\"model\":\"a\",\"stream\":null,\"stream_options\":null}");
        assertFalse(fields.stream());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\":\"a\",\"x\":sk-secret-token}", "{\"model\":\"a\",\"x\":\"\u0000sk-secret\"}",
            "{\"model\":\"a\",\"x\":\"sk-secret\\q\"}"})
    void aSyntaxErrorSaysWhereButQuotesNothing(String body) {
        final MalformedRequestException e = assertThrows(MalformedRequestException.class, () -> scan(body));
        assertTrue(e.getMessage().startsWith("The request body is not valid JSON: unexpected character at line 1, "
                + "column "), e.getMessage());
        assertFalse(e.getMessage().contains("sk-") || e.getMessage().contains("Jackson")
                || e.getMessage().contains("Source"), e.getMessage());
    }

    @Test
    void invalidUtf8IsNamedAsSuch() {
        final byte[] bytes = {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'};
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        final MalformedRequestException e = assertThrows(MalformedRequestException.class,
                () -> RequestScanner.scan(buf));
        assertTrue(e.getMessage().startsWith("The request body is not valid JSON: it is not valid UTF-8"),
                e.getMessage());
    }

    static RequestFields scan(String body) throws MalformedRequestException {
        final ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return RequestScanner.scan(buf);
        } finally {
            buf.release();
        }
    }

    static String text(String body, JsonValue value) {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new String(bytes, value.start(), value.end() - value.start(), StandardCharsets.UTF_8);
    }

}
