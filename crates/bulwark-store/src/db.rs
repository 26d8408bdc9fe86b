//! The one place that knows the two drivers: typed parameters in, cells out, SQL written once with `$N`
//! placeholders (rewritten to SQLite's `?N`).

use std::fmt::Write as _;

/// A statement parameter. Nulls are typed because PostgreSQL checks each parameter's type.
#[derive(Debug, Clone)]
pub(crate) enum P {
    I(Option<i64>),
    T(Option<String>),
    B(Option<Vec<u8>>),
}

impl From<i64> for P {
    fn from(v: i64) -> Self {
        P::I(Some(v))
    }
}
impl From<Option<i64>> for P {
    fn from(v: Option<i64>) -> Self {
        P::I(v)
    }
}
impl From<&str> for P {
    fn from(v: &str) -> Self {
        P::T(Some(v.to_owned()))
    }
}
impl From<String> for P {
    fn from(v: String) -> Self {
        P::T(Some(v))
    }
}
impl From<&String> for P {
    fn from(v: &String) -> Self {
        P::T(Some(v.clone()))
    }
}
impl From<Option<&str>> for P {
    fn from(v: Option<&str>) -> Self {
        P::T(v.map(str::to_owned))
    }
}
impl From<&Option<String>> for P {
    fn from(v: &Option<String>) -> Self {
        P::T(v.clone())
    }
}
impl From<Option<String>> for P {
    fn from(v: Option<String>) -> Self {
        P::T(v)
    }
}

/// A cell read back.
#[derive(Debug, Clone)]
pub(crate) enum C {
    Null,
    I(i64),
    T(String),
    B(Vec<u8>),
}

/// A row of cells with typed getters; a type mismatch is a driver-level surprise, reported as an error.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<C>);

impl Row {
    pub(crate) fn i(&self, n: usize) -> Result<i64, Raw> {
        self.oi(n)?
            .ok_or_else(|| Raw::Other(format!("column {n} is NULL, expected an integer")))
    }
    pub(crate) fn oi(&self, n: usize) -> Result<Option<i64>, Raw> {
        match self.0.get(n) {
            Some(C::Null) => Ok(None),
            Some(C::I(v)) => Ok(Some(*v)),
            other => Err(Raw::Other(format!(
                "column {n}: expected an integer, got {other:?}"
            ))),
        }
    }
    pub(crate) fn t(&self, n: usize) -> Result<String, Raw> {
        self.ot(n)?
            .ok_or_else(|| Raw::Other(format!("column {n} is NULL, expected text")))
    }
    pub(crate) fn ot(&self, n: usize) -> Result<Option<String>, Raw> {
        match self.0.get(n) {
            Some(C::Null) => Ok(None),
            Some(C::T(v)) => Ok(Some(v.clone())),
            other => Err(Raw::Other(format!(
                "column {n}: expected text, got {other:?}"
            ))),
        }
    }
    pub(crate) fn ob(&self, n: usize) -> Result<Option<Vec<u8>>, Raw> {
        match self.0.get(n) {
            Some(C::Null) => Ok(None),
            Some(C::B(v)) => Ok(Some(v.clone())),
            other => Err(Raw::Other(format!(
                "column {n}: expected bytes, got {other:?}"
            ))),
        }
    }
}

/// A driver error before it is tied to the store's location.
#[derive(Debug)]
pub(crate) enum Raw {
    Sqlite(rusqlite::Error),
    Pg(postgres::Error),
    Other(String),
    Err(Box<crate::Error>),
}

impl From<rusqlite::Error> for Raw {
    fn from(e: rusqlite::Error) -> Self {
        Raw::Sqlite(e)
    }
}
impl From<postgres::Error> for Raw {
    fn from(e: postgres::Error) -> Self {
        Raw::Pg(e)
    }
}

/// What every operation is written against: one open transaction on either back end.
pub(crate) trait Exec {
    fn is_pg(&self) -> bool;
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, Raw>;
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, Raw>;
    fn batch(&mut self, sql: &str) -> Result<(), Raw>;
}

/// `$1` → `?1` for SQLite. Our SQL never has `$` inside string literals.
pub(crate) fn to_sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

impl rusqlite::ToSql for P {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            P::I(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            P::T(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            P::B(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            P::I(None) | P::T(None) | P::B(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

pub(crate) struct SqliteTx<'a>(pub(crate) rusqlite::Transaction<'a>);

impl Exec for SqliteTx<'_> {
    fn is_pg(&self) -> bool {
        false
    }
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, Raw> {
        let mut st = self.0.prepare_cached(&to_sqlite(sql))?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, Raw> {
        use rusqlite::types::ValueRef;
        let mut st = self.0.prepare_cached(&to_sqlite(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => C::Null,
                    ValueRef::Integer(v) => C::I(v),
                    ValueRef::Real(v) => C::I(v as i64),
                    ValueRef::Text(t) => C::T(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => C::B(b.to_vec()),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
    fn batch(&mut self, sql: &str) -> Result<(), Raw> {
        Ok(self.0.execute_batch(sql)?)
    }
}

/// Prepared statements of one PostgreSQL connection, by SQL text (statements outlive transactions).
pub(crate) type PgCache = std::collections::HashMap<String, postgres::Statement>;
const PG_CACHE_MAX: usize = 256;

pub(crate) struct PgTx<'a> {
    pub(crate) tx: postgres::Transaction<'a>,
    pub(crate) cache: &'a mut PgCache,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, Raw> {
        if let Some(st) = self.cache.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.prepare(sql)?;
        if self.cache.len() >= PG_CACHE_MAX {
            self.cache.clear();
        }
        self.cache.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

fn pg_params(params: &[P]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| -> &(dyn postgres::types::ToSql + Sync) {
            match p {
                P::I(v) => v,
                P::T(v) => v,
                P::B(v) => v,
            }
        })
        .collect()
}

impl Exec for PgTx<'_> {
    fn is_pg(&self) -> bool {
        true
    }
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, Raw> {
        let st = self.statement(sql)?;
        Ok(self.tx.execute(&st, &pg_params(params))?)
    }
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, Raw> {
        use postgres::types::Type;
        let st = self.statement(sql)?;
        let rows = self.tx.query(&st, &pg_params(params))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut cells = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let t = col.type_();
                let cell = if *t == Type::INT8 {
                    r.try_get::<_, Option<i64>>(i)?.map_or(C::Null, C::I)
                } else if *t == Type::INT4 {
                    r.try_get::<_, Option<i32>>(i)?
                        .map_or(C::Null, |v| C::I(i64::from(v)))
                } else if *t == Type::INT2 {
                    r.try_get::<_, Option<i16>>(i)?
                        .map_or(C::Null, |v| C::I(i64::from(v)))
                } else if *t == Type::BOOL {
                    r.try_get::<_, Option<bool>>(i)?
                        .map_or(C::Null, |v| C::I(i64::from(v)))
                } else if *t == Type::BYTEA {
                    r.try_get::<_, Option<Vec<u8>>>(i)?.map_or(C::Null, C::B)
                } else {
                    r.try_get::<_, Option<String>>(i)?.map_or(C::Null, C::T)
                };
                cells.push(cell);
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
    fn batch(&mut self, sql: &str) -> Result<(), Raw> {
        Ok(self.tx.batch_execute(sql)?)
    }
}

/// `($1,$2,$3),($4,$5,$6)…` for a multi-row insert of `rows` rows of `cols` columns.
pub(crate) fn values_list(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            let _ = write!(s, "${}", r * cols + c + 1);
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_list_numbers_in_order() {
        assert_eq!(values_list(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(to_sqlite("a = $1 AND b = $12"), "a = ?1 AND b = ?12");
    }
}
