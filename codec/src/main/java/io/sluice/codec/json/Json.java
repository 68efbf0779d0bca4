package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;

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
}
