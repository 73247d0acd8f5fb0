package dev.strata.api;

/**
 * A client error with the HTTP status it maps to and the request field at fault (null when the
 * request as a whole is wrong). Rendered as {@code {"error": "...", "field": "..."}}; never carries
 * a stack trace to the client.
 */
final class ApiError extends RuntimeException {
  final int status;
  final String field;

  ApiError(int status, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  static ApiError badRequest(String message, String field) {
    return new ApiError(400, message, field);
  }
}
