package io.sluice.providers;

/**
 * How far a client of one dialect has read a stream of its own dialect, relayed to it byte for byte: what an encoder
 * that goes on with the stream must not write again. Read by the stream's {@link StreamDecoder}.
 *
 * @param started   whether any event of the answer reached the client (OpenAI's role delta, Anthropic's
 *                  {@code message_start})
 * @param block     the index of the open content block, or of the next one when none is open (Anthropic)
 * @param openBlock the type of the open content block ({@code text}, {@code thinking}, ...), or null
 */
public record StreamPosition(boolean started, int block, String openBlock) {
    public static final StreamPosition NONE = new StreamPosition(false, 0, null);
}
