package io.sluice.codec.usage;

/**
 * What one stream event says about usage: the counts, and whether the event is a usage-only chunk (an OpenAI
 * {@code "choices":[]} chunk that exists only to carry usage).
 */
public record EventUsage(Usage usage, boolean usageOnly) {
}
