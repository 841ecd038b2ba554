//! Knowledge documents: plain text the agents answer from (FAQs, pricing, product sheets).
//! The text arrives typed, extracted from a PDF, or reduced from a web page; the store keeps
//! the extracted text, where it came from, and a version that every content change bumps.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::row::get;
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "knowledge_docs";

/// Id prefix of knowledge documents.
pub const PREFIX: &str = "kdoc";

/// Where a document's text came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Typed or pasted text.
    Text,
    /// Extracted from an uploaded PDF.
    Pdf,
    /// Reduced from a web page (uploaded HTML or fetched from a URL).
    Web,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Pdf => "pdf",
            SourceKind::Web => "web",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "text" => Some(SourceKind::Text),
            "pdf" => Some(SourceKind::Pdf),
            "web" => Some(SourceKind::Web),
            _ => None,
        }
    }
}

/// A document with its text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeDoc {
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub source_kind: SourceKind,
    /// The file name or URL the text came from ("" for typed text).
    pub source: String,
    /// 1 when created; each content change adds one.
    pub version: i64,
    /// The extracted plain text.
    pub content: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A document without its text (lists).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeDocSummary {
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub source_kind: SourceKind,
    pub source: String,
    pub version: i64,
    /// Length of the text in characters.
    pub content_length: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new document.
#[derive(Debug, Clone)]
pub struct NewKnowledgeDoc {
    pub title: String,
    pub source_kind: SourceKind,
    pub source: String,
    pub content: String,
}

/// A partial update. A `content` bumps the version, a `title` alone does not.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeDocPatch {
    pub title: Option<String>,
    pub content: Option<String>,
}

const META: &str = "id, org_id, title, source_kind, source, version, created_at, updated_at";

fn source_kind(r: &AnyRow) -> StoreResult<SourceKind> {
    let kind: String = get(r, T, "source_kind")?;
    SourceKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
        table: T,
        message: format!("source_kind {kind}"),
    })
}

fn doc_from_row(r: &AnyRow) -> StoreResult<KnowledgeDoc> {
    Ok(KnowledgeDoc {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        title: get(r, T, "title")?,
        source_kind: source_kind(r)?,
        source: get(r, T, "source")?,
        version: get(r, T, "version")?,
        content: get(r, T, "content")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

fn summary_from_row(r: &AnyRow) -> StoreResult<KnowledgeDocSummary> {
    Ok(KnowledgeDocSummary {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        title: get(r, T, "title")?,
        source_kind: source_kind(r)?,
        source: get(r, T, "source")?,
        version: get(r, T, "version")?,
        content_length: get(r, T, "content_length")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

impl Store {
    pub async fn create_knowledge_doc(
        &self,
        org_id: &str,
        new: &NewKnowledgeDoc,
    ) -> StoreResult<KnowledgeDoc> {
        let now = self.now_ms();
        let doc = KnowledgeDoc {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            title: new.title.clone(),
            source_kind: new.source_kind,
            source: new.source.clone(),
            version: 1,
            content: new.content.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO knowledge_docs ({META}, content) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)"
        )))
        .bind(&doc.id)
        .bind(org_id)
        .bind(&doc.title)
        .bind(doc.source_kind.as_str())
        .bind(&doc.source)
        .bind(now)
        .bind(now)
        .bind(&doc.content)
        .execute(&self.pool)
        .await?;
        Ok(doc)
    }

    pub async fn get_knowledge_doc(&self, org_id: &str, doc_id: &str) -> StoreResult<KnowledgeDoc> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {META}, content FROM knowledge_docs WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(doc_id)
        .fetch_one(&self.pool)
        .await?;
        doc_from_row(&row)
    }

    /// The organization's documents in creation order, without their text.
    pub async fn list_knowledge_docs(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<KnowledgeDocSummary>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {META}, CAST(LENGTH(content) AS BIGINT) AS content_length FROM knowledge_docs \
             WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after(PREFIX)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(summary_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |d| d.id.clone()))
    }

    /// Applies `patch` in one statement, so concurrent content edits each get their own
    /// version number. The statement also returns the row it wrote: a read after it could
    /// already see a later edit's version.
    pub async fn update_knowledge_doc(
        &self,
        org_id: &str,
        doc_id: &str,
        patch: &KnowledgeDocPatch,
    ) -> StoreResult<KnowledgeDoc> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE knowledge_docs SET title = COALESCE($1, title), \
             content = COALESCE($2, content), version = version + $3, updated_at = $4 \
             WHERE org_id = $5 AND id = $6 RETURNING {META}, content"
        )))
        .bind(patch.title.as_deref())
        .bind(patch.content.as_deref())
        .bind(i64::from(patch.content.is_some()))
        .bind(self.now_ms())
        .bind(org_id)
        .bind(doc_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        doc_from_row(&row)
    }

    pub async fn delete_knowledge_doc(&self, org_id: &str, doc_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM knowledge_docs WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(doc_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
