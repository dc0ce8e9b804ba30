// The predefined error and close URIs as single constants, the same as
// `ErrorUri` (tests/protocol/codes_test.ts holds them equal). Client code
// takes these, as the namespace `ErrorUri`, so that a bundle holds only the
// URIs it uses, not the whole `ErrorUri` object.

export const INVALID_URI = "wamp.error.invalid_uri";
export const NO_SUCH_PROCEDURE = "wamp.error.no_such_procedure";
export const PROCEDURE_ALREADY_EXISTS = "wamp.error.procedure_already_exists";
export const PROCEDURE_EXISTS_WITH_DIFFERENT_INVOCATION_POLICY =
  "wamp.error.procedure_exists_with_different_invocation_policy";
export const NO_SUCH_REGISTRATION = "wamp.error.no_such_registration";
export const NO_SUCH_SUBSCRIPTION = "wamp.error.no_such_subscription";
export const NO_SUCH_SESSION = "wamp.error.no_such_session";
export const INVALID_ARGUMENT = "wamp.error.invalid_argument";
export const CANCELED = "wamp.error.canceled";
export const TIMEOUT = "wamp.error.timeout";
export const RUNTIME_ERROR = "wamp.error.runtime_error";
export const PAYLOAD_SIZE_EXCEEDED = "wamp.error.payload_size_exceeded";
export const PROTOCOL_VIOLATION = "wamp.error.protocol_violation";
export const NOT_AUTHORIZED = "wamp.error.not_authorized";
export const AUTHORIZATION_FAILED = "wamp.error.authorization_failed";
export const AUTHENTICATION_FAILED = "wamp.error.authentication_failed";
export const NO_MATCHING_AUTH_METHOD = "wamp.error.no_matching_auth_method";
export const NO_AUTH_METHOD = "wamp.error.no_auth_method";
export const NO_SUCH_REALM = "wamp.error.no_such_realm";
export const NO_SUCH_ROLE = "wamp.error.no_such_role";
export const OPTION_NOT_ALLOWED = "wamp.error.option_not_allowed";
export const FEATURE_NOT_SUPPORTED = "wamp.error.feature_not_supported";
export const NO_AVAILABLE_CALLEE = "wamp.error.no_available_callee";
export const UNAVAILABLE = "wamp.error.unavailable";
export const SYSTEM_SHUTDOWN = "wamp.close.system_shutdown";
export const CLOSE_REALM = "wamp.close.close_realm";
export const GOODBYE_AND_OUT = "wamp.close.goodbye_and_out";
export const CLOSE_NORMAL = "wamp.close.normal";
export const KILLED = "wamp.close.killed";
