//! The two migration folders describe one schema: both are migrated as the server does it
//! (`Db::connect`), read back from the catalogues, reduced to comparable facts, and compared.
//!
//! Compared: tables and views; columns (type family, NOT NULL, default, generated id); primary
//! keys; foreign keys (columns → table, columns, ON UPDATE/DELETE); unique constraints as
//! column sets per table; indexes (name, table, columns in order, unique, partial or not);
//! triggers (name, table) and the events they fire on. Not compared: CHECK constraints,
//! partial-index predicates and trigger bodies (SQLite keeps them only as SQL text).
//! `_sqlx_migrations` and SQLite's autoindex names are ignored.
//!
//! Type families (SQLite's declared type ↔ PostgreSQL's):
//! `integer` = INTEGER ↔ BIGINT (PostgreSQL's 32-bit INTEGER is reported, not matched);
//! `boolean` = BOOLEAN ↔ BOOLEAN;
//! `text` = TEXT ↔ TEXT, TIMESTAMPTZ, DATE (SQLite keeps RFC 3339 and YYYY-MM-DD text);
//! `bytes` = BLOB ↔ BYTEA (product photos).
//!
//! Every entry of the unique-constraint registry (`db::constraints::Unique`) must exist on
//! both: on PostgreSQL as a unique constraint (or unique index) of that name on exactly its
//! columns, on SQLite as a unique index on exactly its columns (in order: they make the
//! violation message).
//!
//! Past 600 lines on purpose: the two catalogue readers (SQLite's pragmas, PostgreSQL's
//! catalogues) belong beside the one model they fill and the comparison of it.

use selpos_server::db::Db;
use selpos_server::db::constraints::Unique;
use selpos_tests::TestDatabase;
use sqlx::{PgPool, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// Facts only SQLite has, on purpose, and why. Each must still hold, so none goes stale.
const SQLITE_ONLY: &[(&str, &str)] = &[
    (
        "trigger audit_log_no_update on audit_log",
        "a SQLite trigger fires on one event: PostgreSQL's audit_log_no_change does UPDATE and DELETE",
    ),
    (
        "trigger audit_log_no_delete on audit_log",
        "a SQLite trigger fires on one event: PostgreSQL's audit_log_no_change does UPDATE and DELETE",
    ),
    (
        "generated id council.id",
        "INTEGER PRIMARY KEY is always SQLite's rowid; the one council row is written with id 1",
    ),
    (
        "generated id register_counters.register_id",
        "INTEGER PRIMARY KEY is always SQLite's rowid; it is written as the register's id",
    ),
    (
        "generated id product_photos.product_id",
        "INTEGER PRIMARY KEY is always SQLite's rowid; it is written as the product's id",
    ),
    (
        "generated id register_displays.register_id",
        "INTEGER PRIMARY KEY is always SQLite's rowid; it is written as the register's id",
    ),
];

/// Facts only PostgreSQL has, on purpose, and why.
const POSTGRES_ONLY: &[(&str, &str)] = &[
    (
        "trigger audit_log_no_change on audit_log",
        "one PostgreSQL trigger for UPDATE and DELETE: SQLite has one for each",
    ),
    (
        "trigger audit_log_no_truncate on audit_log",
        "SQLite has no TRUNCATE",
    ),
    (
        "trigger event BEFORE TRUNCATE on audit_log",
        "SQLite has no TRUNCATE",
    ),
];

#[test]
fn migration_folders_hold_the_same_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let names = |kind: &str| -> BTreeSet<String> {
        std::fs::read_dir(root.join(kind))
            .unwrap_or_else(|e| panic!("migrations/{kind}: {e}"))
            .map(|entry| {
                entry
                    .expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    let differences: Vec<String> = sqlite
        .difference(&postgres)
        .map(|name| format!("  only in migrations/sqlite:   {name}"))
        .chain(
            postgres
                .difference(&sqlite)
                .map(|name| format!("  only in migrations/postgres: {name}")),
        )
        .collect();
    assert!(
        differences.is_empty(),
        "the migration folders differ:\n{}",
        differences.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_are_equal() {
    let sqlite_database = TestDatabase::sqlite();
    let sqlite = read(&sqlite_database.url).await;
    let mut problems = registry_problems(&sqlite, Side::Sqlite);

    if let Some(postgres_database) = TestDatabase::postgres().await {
        let postgres = read(&postgres_database.url).await;
        postgres_database.drop_database().await;
        problems.extend(registry_problems(&postgres, Side::Postgres));
        problems.extend(differences(&sqlite.facts(), &postgres.facts()));
    }
    assert!(
        problems.is_empty(),
        "the migrated schemas disagree ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Migrates a fresh database at `url` as the server does and reads its schema back.
async fn read(url: &str) -> Schema {
    let db = Db::connect(url)
        .await
        .unwrap_or_else(|e| panic!("migrating {url}: {e}"));
    let schema = match &db {
        Db::Sqlite(pool) => read_sqlite(pool).await,
        Db::Postgres(pool) => read_postgres(pool).await,
    }
    .unwrap_or_else(|e| panic!("reading the schema of {url}: {e}"));
    db.close().await;
    schema
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Sqlite,
    Postgres,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Sqlite => "SQLite",
            Side::Postgres => "PostgreSQL",
        })
    }
}

/// A schema as both catalogues can describe it.
#[derive(Default)]
struct Schema {
    tables: Vec<Table>,
    views: Vec<String>,
    foreign_keys: Vec<ForeignKey>,
    /// Unique constraints (PostgreSQL names them; SQLite does not).
    uniques: Vec<UniqueConstraint>,
    /// Indexes of their own, not those behind a primary key or unique constraint.
    indexes: Vec<Index>,
    triggers: Vec<Trigger>,
}

struct Table {
    name: String,
    columns: Vec<Column>,
    primary_key: Vec<String>,
}

struct Column {
    name: String,
    family: String,
    not_null: bool,
    default: Option<String>,
    /// Filled in by the database when left out (SQLite's rowid, PostgreSQL's identity).
    generated: bool,
}

struct ForeignKey {
    table: String,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_update: String,
    on_delete: String,
}

struct UniqueConstraint {
    name: Option<String>,
    table: String,
    columns: Vec<String>,
}

struct Index {
    name: String,
    table: String,
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

struct Trigger {
    name: String,
    table: String,
    timing: String,
    events: Vec<String>,
}

impl Schema {
    /// One line per fact, the same text on both sides when they agree.
    fn facts(&self) -> BTreeSet<String> {
        let mut facts = BTreeSet::new();
        for table in &self.tables {
            facts.insert(format!("table {}", table.name));
            for c in &table.columns {
                let not_null = if c.not_null { " NOT NULL" } else { "" };
                let default = c
                    .default
                    .as_ref()
                    .map(|d| format!(" DEFAULT {d}"))
                    .unwrap_or_default();
                facts.insert(format!(
                    "column {}.{}: {}{not_null}{default}",
                    table.name, c.name, c.family
                ));
                if c.generated {
                    facts.insert(format!("generated id {}.{}", table.name, c.name));
                }
            }
            if !table.primary_key.is_empty() {
                facts.insert(format!(
                    "primary key {} ({})",
                    table.name,
                    table.primary_key.join(", ")
                ));
            }
        }
        for view in &self.views {
            facts.insert(format!("view {view}"));
        }
        for fk in &self.foreign_keys {
            facts.insert(format!(
                "foreign key {} ({}) -> {} ({}) ON UPDATE {} ON DELETE {}",
                fk.table,
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", "),
                fk.on_update,
                fk.on_delete
            ));
        }
        for unique in &self.uniques {
            let columns: BTreeSet<&str> = unique.columns.iter().map(String::as_str).collect();
            let columns: Vec<&str> = columns.into_iter().collect();
            facts.insert(format!("unique {} ({})", unique.table, columns.join(", ")));
        }
        for index in &self.indexes {
            let unique = if index.unique { " UNIQUE" } else { "" };
            let partial = if index.partial { " PARTIAL" } else { "" };
            facts.insert(format!(
                "index {} on {} ({}){unique}{partial}",
                index.name,
                index.table,
                index.columns.join(", ")
            ));
        }
        for trigger in &self.triggers {
            facts.insert(format!("trigger {} on {}", trigger.name, trigger.table));
            for event in &trigger.events {
                facts.insert(format!(
                    "trigger event {} {event} on {}",
                    trigger.timing, trigger.table
                ));
            }
        }
        facts
    }
}

/// Each difference on a line, sorted so that both sides of one column or index sit together;
/// the documented exceptions are left out, and reported if they no longer hold.
fn differences(sqlite: &BTreeSet<String>, postgres: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut only: BTreeSet<(&str, Side)> = BTreeSet::new();
    for (side, mine, theirs, expected) in [
        (Side::Sqlite, sqlite, postgres, SQLITE_ONLY),
        (Side::Postgres, postgres, sqlite, POSTGRES_ONLY),
    ] {
        for (fact, why) in expected {
            if !mine.contains(*fact) || theirs.contains(*fact) {
                problems.push(format!(
                    "  stale exception, no longer only in {side}: {fact} ({why})"
                ));
            }
        }
        for fact in mine.difference(theirs) {
            if !expected.iter().any(|(expected, _)| expected == fact) {
                only.insert((fact.as_str(), side));
            }
        }
    }
    problems.extend(
        only.into_iter()
            .map(|(fact, side)| format!("  only in {:<11} {fact}", format!("{side}:"))),
    );
    problems
}

/// The registry entries missing from `schema`.
fn registry_problems(schema: &Schema, side: Side) -> Vec<String> {
    let mut problems = Vec::new();
    for &unique in Unique::ALL {
        let columns = unique.columns();
        let same = |table: &str, cols: &[String]| table == unique.table() && cols == columns;
        let found = match side {
            // PostgreSQL names the constraint, or the unique index (one SQLite has too), in
            // its violation.
            Side::Postgres => {
                schema
                    .uniques
                    .iter()
                    .any(|u| u.name.as_deref() == Some(unique.name()) && same(&u.table, &u.columns))
                    || schema.indexes.iter().any(|i| {
                        i.name == unique.name() && i.unique && !i.partial && same(&i.table, &i.columns)
                    })
            }
            // SQLite's message names the index's columns, whether a constraint or an index.
            Side::Sqlite => {
                schema.uniques.iter().any(|u| same(&u.table, &u.columns))
                    || schema
                        .indexes
                        .iter()
                        .any(|i| i.unique && !i.partial && same(&i.table, &i.columns))
            }
        };
        if !found {
            let what = match side {
                Side::Postgres => format!("unique constraint or index named {}", unique.name()),
                Side::Sqlite => "unique index".to_string(),
            };
            problems.push(format!(
                "  {side} has no {what} on exactly {} ({}), as registered for {unique:?}",
                unique.table(),
                columns.join(", ")
            ));
        }
    }
    problems
}

/// Reduces a column default to one spelling: PostgreSQL adds casts (`''::text`) and writes
/// booleans in lower case.
fn normalise_default(expression: &str) -> String {
    let expression = expression.trim();
    if let Some(rest) = expression.strip_prefix('\'') {
        // The literal alone, up to its closing quote ('' is a quote inside it).
        let mut end = 0;
        let bytes = rest.as_bytes();
        while end < bytes.len() {
            if bytes[end] == b'\'' {
                if bytes.get(end + 1) == Some(&b'\'') {
                    end += 2;
                    continue;
                }
                break;
            }
            end += 1;
        }
        return format!("'{}'", &rest[..end]);
    }
    let bare = expression.split("::").next().unwrap_or(expression);
    bare.to_lowercase()
}

fn sqlite_family(declared: &str) -> String {
    match declared.to_uppercase().as_str() {
        "INTEGER" => "integer".into(),
        "BOOLEAN" => "boolean".into(),
        "TEXT" => "text".into(),
        "BLOB" => "bytes".into(),
        other => format!("unmapped SQLite type {other:?}"),
    }
}

fn postgres_family(formatted: &str) -> String {
    match formatted {
        "bigint" => "integer".into(),
        "boolean" => "boolean".into(),
        "text" | "timestamp with time zone" | "date" => "text".into(),
        "bytea" => "bytes".into(),
        "integer" | "smallint" => format!("{formatted} (too small: use BIGINT)"),
        other => format!("unmapped PostgreSQL type {other:?}"),
    }
}

async fn read_sqlite(pool: &SqlitePool) -> sqlx::Result<Schema> {
    let mut schema = Schema::default();
    let objects: Vec<(String, String)> = sqlx::query_as(
        "SELECT type, name FROM sqlite_master
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'
         ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let tables: Vec<String> = objects
        .iter()
        .filter(|(kind, _)| kind == "table")
        .map(|(_, name)| name.clone())
        .collect();
    schema.views = objects
        .into_iter()
        .filter(|(kind, _)| kind == "view")
        .map(|(_, name)| name)
        .collect();

    for name in &tables {
        let rows: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(
            r#"SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid"#,
        )
        .bind(name)
        .fetch_all(pool)
        .await?;
        let mut primary_key: Vec<(i64, String)> = rows
            .iter()
            .filter(|row| row.4 > 0)
            .map(|row| (row.4, row.0.clone()))
            .collect();
        primary_key.sort();
        // A lone INTEGER PRIMARY KEY is the rowid: SQLite fills it in when left out.
        let rowid = match primary_key.as_slice() {
            [(_, column)] => rows
                .iter()
                .any(|row| &row.0 == column && row.1.eq_ignore_ascii_case("INTEGER")),
            _ => false,
        };
        let columns = rows
            .into_iter()
            .map(|(column, declared, not_null, default, pk)| Column {
                family: sqlite_family(&declared),
                // A primary key counts as NOT NULL, as on PostgreSQL (SQLite's rowid cannot
                // be NULL; its TEXT PRIMARY KEY nominally can, a quirk it keeps for old files).
                not_null: not_null != 0 || pk > 0,
                default: default.as_deref().map(normalise_default),
                generated: rowid && pk > 0,
                name: column,
            })
            .collect();
        schema.tables.push(Table {
            name: name.clone(),
            columns,
            primary_key: primary_key.into_iter().map(|(_, column)| column).collect(),
        });

        let keys: Vec<(i64, String, String, Option<String>, String, String)> = sqlx::query_as(
            r#"SELECT id, "table", "from", "to", on_update, on_delete
               FROM pragma_foreign_key_list($1) ORDER BY id, seq"#,
        )
        .bind(name)
        .fetch_all(pool)
        .await?;
        let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
        for (id, ref_table, from, to, on_update, on_delete) in keys {
            let fk = by_id.entry(id).or_insert_with(|| ForeignKey {
                table: name.clone(),
                columns: Vec::new(),
                ref_table,
                ref_columns: Vec::new(),
                on_update,
                on_delete,
            });
            fk.columns.push(from);
            // No `to`: the referenced table's primary key, resolved below.
            fk.ref_columns.extend(to);
        }
        schema.foreign_keys.extend(by_id.into_values());

        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as(r#"SELECT name, "unique", origin, partial FROM pragma_index_list($1)"#)
                .bind(name)
                .fetch_all(pool)
                .await?;
        for (index, unique, origin, partial) in indexes {
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await?;
            let columns = columns
                .into_iter()
                .map(|c| c.unwrap_or_else(|| "<expression>".into()))
                .collect();
            match origin.as_str() {
                "pk" => {}
                "u" => schema.uniques.push(UniqueConstraint {
                    name: None,
                    table: name.clone(),
                    columns,
                }),
                _ => schema.indexes.push(Index {
                    name: index,
                    table: name.clone(),
                    columns,
                    unique: unique != 0,
                    partial: partial != 0,
                }),
            }
        }
    }
    for fk in &mut schema.foreign_keys {
        if fk.ref_columns.is_empty()
            && let Some(table) = schema.tables.iter().find(|t| t.name == fk.ref_table)
        {
            fk.ref_columns = table.primary_key.clone();
        }
    }

    let triggers: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(pool)
            .await?;
    for (name, table, sql) in triggers {
        // CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] DELETE|INSERT|UPDATE [OF …] ON table
        let upper = sql.to_uppercase();
        let head: Vec<&str> = upper
            .split_whitespace()
            .take_while(|word| *word != "ON")
            .collect();
        let timing = if head.contains(&"INSTEAD") {
            "INSTEAD OF"
        } else if head.contains(&"AFTER") {
            "AFTER"
        } else {
            "BEFORE"
        };
        let events = ["INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .filter(|event| head.contains(event))
            .map(String::from)
            .collect();
        schema.triggers.push(Trigger {
            name,
            table,
            timing: timing.into(),
            events,
        });
    }
    Ok(schema)
}

async fn read_postgres(pool: &PgPool) -> sqlx::Result<Schema> {
    let mut schema = Schema::default();
    let objects: Vec<(String, String)> = sqlx::query_as(
        "SELECT relkind::text, relname::text FROM pg_class
         WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v')
           AND relname <> '_sqlx_migrations'
         ORDER BY relname",
    )
    .fetch_all(pool)
    .await?;
    for (kind, name) in objects {
        if kind == "v" {
            schema.views.push(name);
        } else {
            schema.tables.push(Table {
                name,
                columns: Vec::new(),
                primary_key: Vec::new(),
            });
        }
    }

    let columns: Vec<(String, String, String, bool, Option<String>, bool)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid),
                a.attidentity::text <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum",
    )
    .fetch_all(pool)
    .await?;
    for (table, name, formatted, not_null, default, generated) in columns {
        let Some(table) = schema.tables.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        table.columns.push(Column {
            name,
            family: postgres_family(&formatted),
            not_null,
            // A sequence's nextval() is what makes the id generated, not a default to compare.
            default: default.filter(|_| !generated).as_deref().map(normalise_default),
            generated,
        });
    }

    let constraints: Vec<ConstraintRow> = sqlx::query_as(
        "SELECT rel.relname::text, con.conname::text, con.contype::text,
                    ARRAY(SELECT a.attname::text
                          FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                    ref.relname::text,
                    ARRAY(SELECT a.attname::text
                          FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                          ORDER BY k.ord),
                    con.confupdtype::text, con.confdeltype::text
             FROM pg_constraint con
             JOIN pg_class rel ON rel.oid = con.conrelid
             LEFT JOIN pg_class ref ON ref.oid = con.confrelid
             WHERE rel.relnamespace = current_schema()::regnamespace AND con.contype IN ('p', 'u', 'f')
               AND rel.relname <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await?;
    for (table, name, kind, columns, ref_table, ref_columns, on_update, on_delete) in constraints {
        match kind.as_str() {
            "p" => {
                if let Some(table) = schema.tables.iter_mut().find(|t| t.name == table) {
                    table.primary_key = columns;
                }
            }
            "u" => schema.uniques.push(UniqueConstraint {
                name: Some(name),
                table,
                columns,
            }),
            _ => schema.foreign_keys.push(ForeignKey {
                table,
                columns,
                ref_table: ref_table.unwrap_or_default(),
                ref_columns,
                on_update: foreign_key_action(&on_update),
                on_delete: foreign_key_action(&on_delete),
            }),
        }
    }

    let indexes: Vec<(String, String, bool, bool, Vec<String>)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, ix.indisunique, ix.indpred IS NOT NULL,
                ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                      FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k)
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                           WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(pool)
    .await?;
    schema.indexes = indexes
        .into_iter()
        .map(|(name, table, unique, partial, columns)| Index {
            name,
            table,
            columns,
            unique,
            partial,
        })
        .collect();

    let triggers: Vec<(String, String, String, Vec<String>)> = sqlx::query_as(
        "SELECT t.tgname::text, c.relname::text,
                CASE WHEN t.tgtype::int & 2 <> 0 THEN 'BEFORE'
                     WHEN t.tgtype::int & 64 <> 0 THEN 'INSTEAD OF'
                     ELSE 'AFTER' END,
                array_remove(ARRAY[CASE WHEN t.tgtype::int & 4 <> 0 THEN 'INSERT' END,
                                   CASE WHEN t.tgtype::int & 16 <> 0 THEN 'UPDATE' END,
                                   CASE WHEN t.tgtype::int & 8 <> 0 THEN 'DELETE' END,
                                   CASE WHEN t.tgtype::int & 32 <> 0 THEN 'TRUNCATE' END], NULL)
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(pool)
    .await?;
    schema.triggers = triggers
        .into_iter()
        .map(|(name, table, timing, events)| Trigger {
            name,
            table,
            timing,
            events,
        })
        .collect();
    Ok(schema)
}

/// Table, name, kind, columns, referenced table and columns, ON UPDATE and ON DELETE actions.
type ConstraintRow = (
    String,
    String,
    String,
    Vec<String>,
    Option<String>,
    Vec<String>,
    String,
    String,
);

/// PostgreSQL's one-letter foreign-key action, in SQLite's words.
fn foreign_key_action(code: &str) -> String {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => other,
    }
    .to_string()
}
