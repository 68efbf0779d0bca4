package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The errors Sluice itself answers with, each with its HTTP status and the {@code type} and {@code code} of the
 * OpenAI error format.
 */
public enum ErrorKind {
    INVALID_JSON(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "invalid_json"),
    MISSING_MODEL(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "missing_model"),
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "bad_request"),
    MODEL_NOT_FOUND(HttpResponseStatus.NOT_FOUND, "invalid_request_error", "model_not_found"),
    NOT_FOUND(HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found"),
    METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed"),
    REQUEST_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", "request_too_large"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "invalid_request_error", "uri_too_long"),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "invalid_request_error",
            "headers_too_large"),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "upstream_unavailable"),
    UPSTREAM_FAILED(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "upstream_failed"),
    UPSTREAM_BUSY(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_error", "upstream_busy"),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "timeout_error", "upstream_timeout");

    private final HttpResponseStatus status;
    private final String type;
    private final String code;

    ErrorKind(HttpResponseStatus status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
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
