//! Cursor pagination parameters shared by every list endpoint.

use callbridge_store::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

/// `?cursor=...&limit=...`
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

impl From<&PageQuery> for PageRequest {
    fn from(q: &PageQuery) -> Self {
        PageRequest {
            cursor: q.cursor.clone(),
            limit: q.limit,
        }
    }
}

/// Declares a concrete page type `$name` of `$item` for the OpenAPI document.
#[macro_export]
macro_rules! page_type {
    ($name:ident, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl From<callbridge_store::Page<$item>> for $name {
            fn from(p: callbridge_store::Page<$item>) -> Self {
                $name {
                    items: p.items,
                    next_cursor: p.next_cursor,
                }
            }
        }
    };
}
