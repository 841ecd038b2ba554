//! Call filters and the small WHERE-clause builder the call list and the transcript search
//! share. Column names and operators only ever come from constants in this crate; every
//! value is a bound parameter.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::{CallStatus, Direction, Transport};

/// Which calls to list. Every field is optional; set ones are combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// `started_at >= from` (ms).
    pub from: Option<i64>,
    /// `started_at < to` (ms).
    pub to: Option<i64>,
    pub direction: Option<Direction>,
    pub transport: Option<Transport>,
    pub outcome: Option<String>,
    pub status: Option<CallStatus>,
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    /// Only calls of this user too (a rep's own calls), on top of `user_id`.
    pub visible_to: Option<String>,
}

impl CallFilter {
    /// Adds the filter's conditions on the calls table (`alias` is e.g. `"c."` or `""`).
    pub(crate) fn add_to(&self, conds: &mut Conditions, alias: &'static str) {
        let col = |name: &str| format!("{alias}{name}");
        if let Some(v) = self.from {
            conds.push(&col("started_at"), ">=", Bind::Int(v));
        }
        if let Some(v) = self.to {
            conds.push(&col("started_at"), "<", Bind::Int(v));
        }
        let texts = [
            ("direction", self.direction.map(|d| d.as_str().to_owned())),
            ("transport", self.transport.map(|t| t.as_str().to_owned())),
            ("outcome", self.outcome.clone()),
            ("status", self.status.map(|s| s.as_str().to_owned())),
            ("user_id", self.user_id.clone()),
            ("campaign_id", self.campaign_id.clone()),
            ("user_id", self.visible_to.clone()),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                conds.push(&col(name), "=", Bind::Text(v));
            }
        }
    }
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// `cond AND cond AND ...` with `$n` placeholders numbered in push order.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    parts: Vec<String>,
    binds: Vec<Bind>,
    /// Placeholders already used by the statement before the conditions.
    offset: usize,
}

impl Conditions {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Conditions whose first placeholder is `$(offset + 1)`: the statement binds `offset`
    /// values of its own first.
    pub(crate) fn after(offset: usize) -> Self {
        Conditions {
            offset,
            ..Self::default()
        }
    }

    /// Adds `column op $n`. `column` and `op` must be constants, never user input.
    pub(crate) fn push(&mut self, column: &str, op: &'static str, value: Bind) {
        let n = self.offset + self.binds.len() + 1;
        self.parts.push(format!("{column} {op} ${n}"));
        self.binds.push(value);
    }

    /// The conditions joined with AND (`1 = 1` when there are none).
    pub(crate) fn sql(&self) -> String {
        if self.parts.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.parts.join(" AND ")
        }
    }

    /// Binds the values, in order, after whatever `query` already has.
    pub(crate) fn bind_all<'q>(
        &self,
        mut query: Query<'q, Any, AnyArguments>,
    ) -> Query<'q, Any, AnyArguments> {
        for b in &self.binds {
            query = match b {
                Bind::Text(s) => query.bind(s.clone()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_offset() {
        let mut c = Conditions::after(2);
        let f = CallFilter {
            from: Some(5),
            direction: Some(Direction::Inbound),
            visible_to: Some("usr_x".into()),
            ..CallFilter::default()
        };
        f.add_to(&mut c, "c.");
        assert_eq!(
            c.sql(),
            "c.started_at >= $3 AND c.direction = $4 AND c.user_id = $5"
        );
        assert_eq!(Conditions::new().sql(), "1 = 1");
    }
}
