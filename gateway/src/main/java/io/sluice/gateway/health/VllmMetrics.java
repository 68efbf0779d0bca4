package io.sluice.gateway.health;

import io.sluice.gateway.upstream.ServerLoad;

import java.nio.charset.StandardCharsets;

/**
 * Reads a vLLM server's load out of its Prometheus text exposition ({@code GET /metrics}): the sum over its series
 * (one per engine and model) of {@code vllm:num_requests_running} and {@code vllm:num_requests_waiting}, and the
 * fullest KV cache, {@code vllm:kv_cache_usage_perc} (called {@code vllm:gpu_cache_usage_perc} before vLLM 0.10).
 * Every other line is skipped. Runs on the scrape's parsing thread, never an event loop.
 */
final class VllmMetrics {
    private static final String RUNNING = "vllm:num_requests_running";
    private static final String WAITING = "vllm:num_requests_waiting";
    private static final String KV_CACHE = "vllm:kv_cache_usage_perc";
    private static final String GPU_CACHE = "vllm:gpu_cache_usage_perc";

    private VllmMetrics() {
    }

    /** The load in the first {@code length} bytes of {@code text}, read at {@code atNanos}; null without the queue metrics. */
    static ServerLoad parse(byte[] text, int length, long atNanos) {
        double running = 0;
        double waiting = 0;
        double kvCache = 0;
        boolean sawRunning = false;
        boolean sawWaiting = false;
        for (String line : new String(text, 0, length, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            final int nameEnd = nameEnd(line);
            final String name = line.substring(0, nameEnd);
            final boolean isRunning = name.equals(RUNNING);
            final boolean isWaiting = name.equals(WAITING);
            if (!isRunning && !isWaiting && !name.equals(KV_CACHE) && !name.equals(GPU_CACHE)) {
                continue;
            }
            final double value = value(line, nameEnd);
            if (Double.isNaN(value) || value < 0) {
                continue;
            }
            if (isRunning) {
                running += value;
                sawRunning = true;
            } else if (isWaiting) {
                waiting += value;
                sawWaiting = true;
            } else {
                kvCache = Math.max(kvCache, Math.min(value, 1.0));
            }
        }
        if (!sawRunning && !sawWaiting) {
            return null;
        }
        return new ServerLoad(clamp(running), clamp(waiting), kvCache, atNanos);
    }

    private static int nameEnd(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        return i;
    }

    /** The sample value after the name and its labels (whose quoted values may hold braces and spaces), or NaN. */
    private static double value(String line, int at) {
        int i = at;
        if (i < line.length() && line.charAt(i) == '{') {
            boolean quoted = false;
            for (i++; i < line.length(); i++) {
                final char c = line.charAt(i);
                if (quoted && c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (c == '}' && !quoted) {
                    i++;
                    break;
                }
            }
        }
        final String rest = line.substring(Math.min(i, line.length())).strip();
        final int space = rest.indexOf(' ');
        try {
            return Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int clamp(double count) {
        return (int) Math.min(count, Integer.MAX_VALUE);
    }
}
