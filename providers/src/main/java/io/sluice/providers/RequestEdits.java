package io.sluice.providers;

import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.JsonSplice.Edit;
import io.sluice.codec.json.JsonValue;
import io.sluice.codec.json.RequestFields;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plans the edits of a request body that goes to a backend of its own dialect: the public model name becomes the
 * backend's (or is added, for a request that named none and took the default model), a default {@code max_tokens}
 * is added where none was given, and an OpenAI stream is made to report exact usage by setting
 * {@code stream_options.include_usage} when the client did not.
 *
 * <p>Each edit touches only the bytes of one value or inserts fields after the opening brace; everything else
 * stays as sent.
 */
public final class RequestEdits {
    private static final byte[] MODEL_NAME = bytes("\"model\":");
    private static final byte[] MAX_TOKENS_NAME = bytes("\"max_tokens\":");
    private static final byte[] STREAM_OPTIONS_FIELD = bytes("\"stream_options\":{\"include_usage\":true}");
    private static final byte[] STREAM_OPTIONS_VALUE = bytes("{\"include_usage\":true}");
    private static final byte[] INCLUDE_USAGE_FIELD = bytes("\"include_usage\":true,");
    private static final byte[] TRUE = bytes("true");

    private RequestEdits() {
    }

    /**
     * @param fields           what the scan found in the body
     * @param operation        the operation requested
     * @param backendModel     the backend's model name as a JSON string token, or null to keep the client's
     * @param askForUsage      whether to make streams report usage (a provider can turn this off for a backend
     *                         that rejects {@code stream_options})
     * @param defaultMaxTokens the {@code max_tokens} to add when the request gives none, or 0
     */
    public static RequestPlan plan(RequestFields fields, Operation operation, byte[] backendModel,
                                   boolean askForUsage, int defaultMaxTokens) {
        final List<Edit> edits = new ArrayList<>(2);
        final List<byte[]> newFields = new ArrayList<>(0);
        if (backendModel != null && fields.modelValue() != null) {
            edits.add(Edit.replace(fields.modelValue(), backendModel));
        } else if (backendModel != null) {
            newFields.add(concat(MODEL_NAME, backendModel));
        }
        if (defaultMaxTokens > 0 && !fields.maxTokens() && operation.takesMaxTokens()) {
            newFields.add(concat(MAX_TOKENS_NAME, bytes(Integer.toString(defaultMaxTokens))));
        }
        final boolean added = askForUsage && fields.stream() && operation.takesStreamOptions()
                && addIncludeUsage(fields, edits, newFields);
        if (!newFields.isEmpty()) {
            edits.add(Edit.insert(fields.objectStart() + 1, fieldList(newFields, !fields.empty())));
        }
        return new RequestPlan(edits, added);
    }

    /** Adds the edit that makes include_usage true; false when the client asked for usage or we cannot tell. */
    private static boolean addIncludeUsage(RequestFields fields, List<Edit> edits, List<byte[]> newFields) {
        final JsonValue options = fields.streamOptions();
        if (options == null) {
            newFields.add(STREAM_OPTIONS_FIELD);
            return true;
        }
        if (options.kind() == JsonToken.VALUE_NULL) {
            edits.add(Edit.replace(options, STREAM_OPTIONS_VALUE));
            return true;
        }
        // The scanner let through only an object or null.
        final JsonValue includeUsage = fields.includeUsage();
        if (includeUsage == null) {
            edits.add(fields.streamOptionsEmpty()
                    ? Edit.replace(options, STREAM_OPTIONS_VALUE)
                    : Edit.insert(options.start() + 1, INCLUDE_USAGE_FIELD));
            return true;
        }
        if (includeUsage.kind() == JsonToken.VALUE_TRUE) {
            return false;
        }
        edits.add(Edit.replace(includeUsage, TRUE));
        return true;
    }

    /** Fields to insert after an object's opening brace: comma-separated, with one more before the object's own. */
    private static byte[] fieldList(List<byte[]> fields, boolean moreFollow) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(fields.get(i));
        }
        if (moreFollow) {
            out.write(',');
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
