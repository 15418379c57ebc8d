"""Checks of the input family: the auth endpoints survive and reject generated bad input.

Schemathesis generates the requests from the OpenAPI document of the profile (`jwt-conformance
openapi`); the operations are signup, signin, refresh and signout, where the profile has them.
"""

from conformance.registry import Level, declare

NO_SERVER_ERROR = declare(
    "input.no-server-error",
    level=Level.MUST,
    reference="RFC 9110 §15.5 and §15.6.1",
    stimulus="Send each auth operation the Schemathesis coverage cases (wrong types, missing "
             "fields, missing body, other methods and content types) and generated positive "
             "and negative data. Signup cases create accounts with generated names.",
    requirement="The backend never responds with a 5xx status.",
)
DECLARED_STATUSES = declare(
    "input.declared-statuses",
    level=Level.MUST,
    reference="profile [statuses] of signup, signin, refresh and signout",
    stimulus="Send each auth operation the Schemathesis coverage cases on its JSON data and "
             "generated positive and negative data.",
    requirement="Every response has a status the profile declares for that operation: its "
                "success, duplicate, unknown-user, wrong-password, failed or invalid statuses.",
)
MALFORMED_JSON_REJECTED = declare(
    "input.malformed-json-rejected",
    level=Level.MUST,
    reference="RFC 8259 §2; RFC 9110 §15.5.1",
    stimulus="Send each auth operation that takes JSON fields a body labelled application/json "
             "that is not JSON: a valid body cut short, with a byte inserted, or random bytes.",
    requirement="The backend rejects each request with a 4xx status.",
)
WRONG_CONTENT_TYPE_REJECTED = declare(
    "input.wrong-content-type-rejected",
    level=Level.SHOULD,
    reference="RFC 9110 §15.5.16",
    stimulus="Send each auth operation that takes JSON fields a valid body, with a live "
             "account or refresh token, labelled text/plain, multipart/form-data without a "
             "boundary, and application/x-www-form-urlencoded.",
    requirement="The backend rejects each request with a 4xx status, such as 415, instead of "
                "reading the body as JSON. An HTML form on another site can send these media "
                "types without a CORS preflight.",
)
WRONG_TYPES_REJECTED = declare(
    "input.wrong-types-rejected",
    level=Level.MUST,
    reference="RFC 9110 §15.5.1",
    stimulus="Send each auth operation that takes JSON fields a body that is a number, a "
             "boolean, a string or an array, and bodies where one required field is a number, "
             "a boolean, an array or an object while the others are valid.",
    requirement="The backend rejects each request with a 4xx status.",
)
NULL_VALUES_REJECTED = declare(
    "input.null-values-rejected",
    level=Level.MUST,
    reference="RFC 9110 §15.5.1",
    stimulus="Send each auth operation that takes JSON fields the body null, and bodies where "
             "one required field is null while the others are valid.",
    requirement="The backend rejects each request with a 4xx status.",
)
OVERSIZED_VALUES_REJECTED = declare(
    "input.oversized-values-rejected",
    level=Level.MUST,
    reference="RFC 9110 §15.5.14 and §15.5.1",
    stimulus="Send each auth operation that takes JSON fields a valid body in which one "
             "required string field is 1 MiB (1,048,576 characters) long, for each field in "
             "turn.",
    requirement="The backend rejects each request with a 4xx status, such as 413 or 400.",
)
