package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonToken;

/** Where one JSON value lies in a body: its first token's kind and its bytes {@code [start, end)}. */
public record JsonValue(JsonToken kind, int start, int end) {
}
