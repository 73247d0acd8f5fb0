package dev.strata.api;

/**
 * A client error with the HTTP status it maps to and the request field at fault (null when the
 * request as a whole is wrong). Rendered as {@code {"error": "...", "field": "..."}}; never carries
 * a stack trace to the client.
 */
final class ApiError extends RuntimeException {
  final int status;
  final String field;

  /** Why, for the log only (the client sees {@link #getMessage}); may be null. */
  final String detail;

  ApiError(int status, String message, String field) {
    this(status, message, field, null);
  }

  ApiError(int status, String message, String field, String detail) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
    this.detail = detail;
  }

  static ApiError badRequest(String message, String field) {
    return new ApiError(400, message, field);
  }
}
