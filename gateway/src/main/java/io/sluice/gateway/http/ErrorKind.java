package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The errors Sluice itself answers with, each with its HTTP status, the {@code type} and {@code code} of the
 * OpenAI error format, and the uniform code of the WebSocket and uniform APIs (DESIGN.md §3).
 */
public enum ErrorKind {
    INVALID_JSON(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "invalid_json"),
    INVALID_TYPE(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "invalid_type"),
    DUPLICATE_FIELD(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "duplicate_field"),
    MISSING_MODEL(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "missing_model"),
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "bad_request"),
    MISSING_API_KEY(HttpResponseStatus.UNAUTHORIZED, "invalid_request_error", "missing_api_key"),
    INVALID_API_KEY(HttpResponseStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key"),
    MODEL_NOT_ALLOWED(HttpResponseStatus.FORBIDDEN, "invalid_request_error", "model_not_allowed"),
    RATE_LIMITED_REQUESTS(HttpResponseStatus.TOO_MANY_REQUESTS, "requests", "rate_limit_exceeded"),
    RATE_LIMITED_TOKENS(HttpResponseStatus.TOO_MANY_REQUESTS, "tokens", "rate_limit_exceeded"),
    MODEL_NOT_FOUND(HttpResponseStatus.NOT_FOUND, "invalid_request_error", "model_not_found"),
    NOT_FOUND(HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found"),
    METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed"),
    UPGRADE_REQUIRED(HttpResponseStatus.UPGRADE_REQUIRED, "invalid_request_error", "upgrade_required"),
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "invalid_request_error", "request_timeout"),
    REQUEST_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", "request_too_large"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "invalid_request_error", "uri_too_long"),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "invalid_request_error",
            "headers_too_large"),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "upstream_unavailable"),
    UPSTREAM_FAILED(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "upstream_failed"),
    UPSTREAM_BUSY(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_error", "upstream_busy"),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "timeout_error", "upstream_timeout"),
    SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_error", "shutting_down"),
    METERING_FULL(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_error", "metering_full");

    private final HttpResponseStatus status;
    private final String type;
    private final String code;

    ErrorKind(HttpResponseStatus status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    /** The uniform code of a failure with this HTTP status, whoever reported it (Sluice or a backend). */
    public static String uniformCode(int status) {
        return switch (status) {
            case 400, 405, 422, 426 -> "INVALID_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 408 -> "TIMEOUT";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 429 -> "RATE_LIMIT";
            case 503 -> "UNAVAILABLE";
            case 504 -> "TIMEOUT";
            default -> status >= 400 && status < 500 ? "INVALID_REQUEST" : "PROVIDER_ERROR";
        };
    }

    public String uniformCode() {
        return uniformCode(status.code());
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }
}
