//! The OpenAPI 3.1 document, generated from the handlers' annotations. Every operation also
//! gets the error responses the shared extractors can produce, all with the `ErrorBody` schema,
//! so clients (and schemathesis) can rely on the document for failures too.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};

use crate::error::{ErrorBody, ErrorDetail};

#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(
        title = "callbridge admin API",
        description = "Manage callbridge: organizations, users and tokens, content, routing, \
            campaigns, calls, transcripts and recordings. Authenticate with \
            `Authorization: Bearer <token>`. Times are milliseconds since the Unix epoch (UTC). \
            Lists use cursor pagination: pass `next_cursor` as `cursor`.",
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Conventions),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// The base document the routers add their paths to.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

struct Conventions;

const ERRORS: &[(&str, &str)] = &[
    ("400", "Malformed request (e.g. unparseable JSON)"),
    ("401", "Missing, unknown, revoked or expired token"),
    ("403", "The token's role may not do this"),
    ("404", "No such object in your organization"),
    ("405", "Method not allowed on this path"),
    ("409", "Conflicts with existing state"),
    ("413", "Request body too large"),
    ("415", "Unsupported Content-Type"),
    ("422", "A field is invalid; details.errors names it"),
    ("429", "Rate limited; see Retry-After"),
    ("500", "Internal error"),
];

impl Modify for Conventions {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the shared error responses to every operation (call after all paths are merged).
pub fn add_error_responses(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            add_errors(op);
        }
    }
}

fn add_errors(op: &mut Operation) {
    for (code, description) in ERRORS {
        op.responses
            .responses
            .entry((*code).to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    }
}
