package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one jackson-core factory of Sluice: thread-safe, shared, with limits fit for LLM request bodies. */
public final class Json {
    /**
     * Request bodies carry whole documents and base64 images in one string, so the string limit is the body
     * limit (enforced before parsing); nesting stays bounded so a hostile body cannot exhaust the stack.
     */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(512)
                    .build())
            .build();

    private Json() {
    }

    /** What writes one JSON document to a generator. */
    @FunctionalInterface
    public interface Document {
        void write(JsonGenerator g) throws IOException;
    }

    /** A document rendered to UTF-8 bytes in memory (where an I/O error cannot happen, so none is declared). */
    public static byte[] render(Document document) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            document.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A string as a JSON string token in UTF-8: quoted, with what must be escaped escaped. */
    public static byte[] quotedUtf8(String value) {
        final byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(value);
        final byte[] quoted = new byte[escaped.length + 2];
        quoted[0] = '"';
        System.arraycopy(escaped, 0, quoted, 1, escaped.length);
        quoted[quoted.length - 1] = '"';
        return quoted;
    }

    /**
     * What is wrong, where: Jackson's own messages name its internals and quote the bytes they choked on, which may
     * be a secret, so only the kind of fault and its line and column are told: for every front that reads JSON
     * from a client.
     */
    public static String describe(JsonProcessingException e) {
        final String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        if (e instanceof JsonEOFException) {
            return "it ends before its JSON is complete";
        }
        if (e instanceof StreamConstraintsException) {
            return "it nests deeper than 512 levels or holds a name or number too long to read";
        }
        final String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.contains("UTF-8") || original.contains("UTF8")) {
            return "it is not valid UTF-8" + where;
        }
        return "unexpected character" + where;
    }
}
