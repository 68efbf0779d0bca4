package io.sluice.providers;

import io.sluice.codec.json.RequestFields;

/**
 * Everything Sluice does with one dialect's bodies, behind one face, so that the gateway's core never names a
 * dialect's fields (DESIGN.md §2b, {@code Dialect}). Between a client and a backend of the same dialect the body
 * goes as sent, with spliced edits, and the answer comes back byte for byte under a {@link StreamWatcher}; between
 * two dialects a chat request is translated through the OpenAI form ({@link TranslatedRequest}) and the answer is
 * decoded into {@link StreamDelta}s by the backend's codec and written again by the client's. Stateless.
 */
public interface DialectCodec extends ClientCodec {
    /** Its conversation-turn operation: where a request translated into this dialect goes. */
    Operation chat();

    /**
     * The edits a request of this dialect needs to go to a backend of the same dialect.
     *
     * @param backendModel     the backend's model name as a JSON string token, or null to keep the client's
     * @param askForUsage      whether to make a stream report usage, where the dialect must be asked
     * @param defaultMaxTokens the output limit to add when the request sets none, or 0
     */
    RequestPlan plan(RequestFields fields, Operation operation, byte[] backendModel, boolean askForUsage,
                     int defaultMaxTokens);

    /** The watcher of a stream relayed as it came. */
    StreamWatcher watcher(Operation operation, boolean dropUsageOnlyEvents);

    /**
     * The request body for a backend of this dialect.
     *
     * @param askForUsage      whether a stream must report usage, where the dialect must be asked
     * @param defaultMaxTokens the output limit to set when the request sets none, or 0
     */
    byte[] fromOpenAi(TranslatedRequest request, String backendModel, boolean askForUsage, int defaultMaxTokens);

    /** A reader of one stream from a backend of this dialect. */
    StreamDecoder decoder();

    /** A whole (not streamed) answer of this dialect as one delta, or null when it is not one. */
    StreamDelta decodeAnswer(byte[] json, int length);
}
