package io.sluice.providers;

import io.sluice.codec.json.JsonSplice;

import java.util.List;

/**
 * How a client's request body is changed before it goes to an OpenAI-dialect backend, and what that means for
 * the stream coming back.
 *
 * @param edits               byte edits to the body (empty when it goes as sent)
 * @param dropUsageOnlyEvents whether the stream's usage-only chunk was asked for by Sluice, not the client, and
 *                            must not reach the client
 */
public record RequestPlan(List<JsonSplice.Edit> edits, boolean dropUsageOnlyEvents) {
}
