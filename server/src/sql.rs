//! A small builder for queries whose WHERE clause depends on the filters given: it numbers the
//! `$n` placeholders and keeps the values, so dynamic SQL still binds every value.

use crate::db::Engine;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, FromRow};

#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    /// An integer column that may be NULL.
    OptionalInt(Option<i64>),
    Text(String),
}

#[derive(Default)]
pub struct SqlBuilder {
    pub text: String,
    values: Vec<Value>,
    /// `?` placeholders instead of `$n`. sqlx's SQLite driver resolves every `$n` by scanning
    /// the statement's parameter names, which is quadratic in the parameters of a statement
    /// (half the CPU time of a CSV import went there). Only for statements whose placeholders
    /// are created in the order they appear in the text and used once.
    positional: bool,
}

impl SqlBuilder {
    pub fn new(text: &str) -> Self {
        SqlBuilder {
            text: text.to_string(),
            values: Vec::new(),
            positional: false,
        }
    }

    /// A builder for bulk statements on `backend` (`"SQLite"` gets `?` placeholders).
    pub fn bulk(text: &str, backend: &str) -> Self {
        SqlBuilder {
            positional: backend == "SQLite",
            ..SqlBuilder::new(text)
        }
    }

    /// Adds a value and returns its placeholder (`$n`, or `?` for positional builders).
    pub fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        if self.positional {
            "?".to_string()
        } else {
            format!("${}", self.values.len())
        }
    }

    pub fn int(&mut self, value: i64) -> String {
        self.bind(Value::Int(value))
    }

    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Value::Text(value.into()))
    }

    /// Turns the SELECT built so far (of `columns`, its select list of plain names) into one
    /// that returns its rows as a single JSON text: an array with one array of the column values
    /// per row. For list pages: sqlx's SQLite driver hands every row from its worker thread to
    /// the caller and converts every value for `Any`, which for a 50-row page cost more than the
    /// query itself; one text value travels once and `serde` reads it straight into a tuple per
    /// row.
    ///
    /// The array's order is unspecified (an aggregate `ORDER BY` made SQLite sort the page again
    /// in a temporary b-tree): the caller sorts the rows.
    pub fn into_json_rows(mut self, engine: Engine, columns: &str) -> Self {
        self.text = match engine {
            Engine::Sqlite => format!(
                "SELECT json_group_array(json_array({columns})) FROM ({}) x",
                self.text
            ),
            Engine::Postgres => format!(
                "SELECT COALESCE(json_agg(json_build_array({columns})), '[]'::json)::text FROM ({}) x",
                self.text
            ),
        };
        self
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    pub fn query_as<'q, T>(self) -> QueryAs<'q, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(self.text));
        for value in self.values {
            query = match value {
                Value::Int(value) => query.bind(value),
                Value::OptionalInt(value) => query.bind(value),
                Value::Text(value) => query.bind(value),
            };
        }
        query
    }

    pub fn query<'q>(self) -> Query<'q, Any, AnyArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.text));
        for value in self.values {
            query = match value {
                Value::Int(value) => query.bind(value),
                Value::OptionalInt(value) => query.bind(value),
                Value::Text(value) => query.bind(value),
            };
        }
        query
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
