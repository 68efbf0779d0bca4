package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.JsonSplice.Edit;
import io.sluice.codec.json.JsonValue;
import io.sluice.codec.json.RequestFields;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans the edits of an OpenAI request body: the public model name becomes the backend's, and a stream is made
 * to report exact usage by setting {@code stream_options.include_usage} when the client did not.
 *
 * <p>Each edit touches only the bytes of one value or inserts one field; everything else stays as sent.
 */
public final class OpenAiRequestEdits {
    private static final byte[] STREAM_OPTIONS_FIELD = bytes("\"stream_options\":{\"include_usage\":true},");
    private static final byte[] STREAM_OPTIONS_VALUE = bytes("{\"include_usage\":true}");
    private static final byte[] INCLUDE_USAGE_FIELD = bytes("\"include_usage\":true,");
    private static final byte[] TRUE = bytes("true");

    private OpenAiRequestEdits() {
    }

    /**
     * @param fields       what the scan found in the body
     * @param endpoint     the operation requested
     * @param backendModel the backend's model name as a JSON string token, or null to keep the client's
     * @param askForUsage  whether to make streams report usage (a provider can turn this off for a backend that
     *                     rejects {@code stream_options})
     */
    public static RequestPlan plan(RequestFields fields, OpenAiEndpoint endpoint, byte[] backendModel,
                                   boolean askForUsage) {
        final List<Edit> edits = new ArrayList<>(2);
        if (backendModel != null) {
            edits.add(Edit.replace(fields.modelValue(), backendModel));
        }
        final boolean added = askForUsage && fields.stream() && endpoint.takesStreamOptions()
                && addIncludeUsage(fields, edits);
        return new RequestPlan(edits, added);
    }

    /** Adds the edit that makes include_usage true; false when the client asked for usage or we cannot tell. */
    private static boolean addIncludeUsage(RequestFields fields, List<Edit> edits) {
        final JsonValue options = fields.streamOptions();
        if (options == null) {
            edits.add(Edit.insert(fields.objectStart() + 1, STREAM_OPTIONS_FIELD));
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
