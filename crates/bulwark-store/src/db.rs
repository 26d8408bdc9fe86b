//! The one place that knows the two drivers: typed parameters in, cells out, SQL written once with `$N`
//! placeholders (rewritten to SQLite's `?N`).

use std::fmt::Write as _;

/// A statement parameter. Nulls are typed because PostgreSQL checks each parameter's type.
#[derive(Debug, Clone)]
pub(crate) enum P {
    I(Option<i64>),
    T(Option<String>),
    B(Option<Vec<u8>>),
    /// Arrays, PostgreSQL only (the columns of [`Exec::bulk`]).
    IA(Vec<Option<i64>>),
    TA(Vec<Option<String>>),
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

/// One column of a [`Exec::bulk`] statement: a value per row.
#[derive(Debug, Clone)]
pub(crate) enum Col {
    I(Vec<Option<i64>>),
    T(Vec<Option<String>>),
}

impl Col {
    fn len(&self) -> usize {
        match self {
            Col::I(v) => v.len(),
            Col::T(v) => v.len(),
        }
    }
    fn at(&self, i: usize) -> P {
        match self {
            Col::I(v) => P::I(v[i]),
            Col::T(v) => P::T(v[i].clone()),
        }
    }
    fn array(&self) -> P {
        match self {
            Col::I(v) => P::IA(v.clone()),
            Col::T(v) => P::TA(v.clone()),
        }
    }
}

/// What every operation is written against: one open transaction on either back end.
pub(crate) trait Exec {
    fn is_pg(&self) -> bool;
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, Raw>;
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, Raw>;
    fn batch(&mut self, sql: &str) -> Result<(), Raw>;

    /// One statement over many rows, in one round trip on PostgreSQL: `unnest` is run once with `scalars` as
    /// `$1…$n` and each column as an array (`$n+1…`, for `unnest($n+1::bigint[], …)`). On SQLite, which is in
    /// process, `per_row` is run once per row through its cached prepared statement, with `scalars` and then
    /// the row's value of each column. Returns the rows of a `RETURNING` clause, in no promised order.
    fn bulk(
        &mut self,
        per_row: &str,
        unnest: &str,
        scalars: &[P],
        cols: &[Col],
    ) -> Result<Vec<Row>, Raw> {
        let rows = cols.first().map_or(0, Col::len);
        if rows == 0 {
            return Ok(Vec::new());
        }
        let mut params = scalars.to_vec();
        if self.is_pg() {
            params.extend(cols.iter().map(Col::array));
            return self.query(unnest, &params);
        }
        let mut out = Vec::new();
        for i in 0..rows {
            params.truncate(scalars.len());
            params.extend(cols.iter().map(|c| c.at(i)));
            out.extend(self.query(per_row, &params)?);
        }
        Ok(out)
    }
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
            P::IA(_) | P::TA(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "arrays are for PostgreSQL only".into(),
                ));
            }
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

/// Statements on a PostgreSQL connection: in a transaction (`G` = `postgres::Transaction`), or each committed
/// by itself (`postgres::Client`).
pub(crate) struct PgTx<'a, G> {
    pub(crate) client: &'a mut G,
    pub(crate) cache: &'a mut PgCache,
}

impl<G: postgres::GenericClient> PgTx<'_, G> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, Raw> {
        if let Some(st) = self.cache.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
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
                P::IA(v) => v,
                P::TA(v) => v,
            }
        })
        .collect()
}

impl<G: postgres::GenericClient> Exec for PgTx<'_, G> {
    fn is_pg(&self) -> bool {
        true
    }
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, Raw> {
        let st = self.statement(sql)?;
        Ok(self.client.execute(&st, &pg_params(params))?)
    }
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, Raw> {
        use postgres::types::Type;
        let st = self.statement(sql)?;
        let rows = self.client.query(&st, &pg_params(params))?;
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
        Ok(self.client.batch_execute(sql)?)
    }
}

/// `($1,$2,$3),($4,$5,$6)…` for a multi-row insert of `rows` rows of `cols` columns.
/// Adds one to the counter `key` of the `meta` table (created at 1), in the caller's transaction: the generation a
/// reader compares to know whether what it cached is stale.
pub(crate) fn bump_counter(tx: &mut dyn Exec, key: &str) -> std::result::Result<(), Raw> {
    let cast = if tx.is_pg() {
        "CAST(meta.value AS BIGINT)"
    } else {
        "CAST(meta.value AS INTEGER)"
    };
    tx.exec(
        &format!(
            "INSERT INTO meta (key, value) VALUES ($1, '1') \
             ON CONFLICT (key) DO UPDATE SET value = CAST({cast} + 1 AS TEXT)"
        ),
        &[key.into()],
    )?;
    Ok(())
}

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
