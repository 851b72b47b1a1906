//! The `selpos` command line: argument parsing and wiring, no logic.

use crate::server::{self, Config};
use crate::usecases::{event_transfer, sessions, users};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "selpos",
    version,
    about = "Point of sale and inventory for SELP joint sales events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the tablet UI and the API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        #[command(flatten)]
        database: DatabaseArg,
        /// Load demo data (facilities, products, an open bazaar) into an empty database.
        #[arg(long)]
        demo: bool,
        /// Development: serve the site built in this directory (`cargo xtask build` puts it in
        /// target/site). Default: the site this binary carries (a release build), else target/site.
        #[arg(long, env = "SELPOS_SITE_ROOT")]
        site_root: Option<PathBuf>,
        /// Mark cookies Secure (set this when selpos is served over HTTPS).
        #[arg(long, env = "SELPOS_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Tests and development only: let registers print to loopback addresses (127.0.0.1,
        /// ::1) on any port. Never in production: a printer address is a place the server
        /// connects to on staff's word.
        #[arg(long)]
        allow_loopback_printers: bool,
        #[command(flatten)]
        tls: TlsArgs,
    },
    /// Manage users: add, change a password or PIN, disable.
    User {
        #[command(subcommand)]
        action: UserAction,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Load the demo data into an existing database (what is there already is kept).
    Demo {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// A consistent copy of the live SQLite database (sales may keep arriving), checked.
    Backup {
        /// The new file (never overwritten).
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Put a backup in place of the SQLite database (stop selpos first).
    Restore {
        file: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Write a closed event and everything recorded at it to FILE (JSON, mode 0600), to bring
    /// it into another database with `import-event` (a venue laptop's event into the central one).
    ExportEvent {
        /// The event's code (e.g. HB26).
        code: String,
        /// The file to write (replaced whole, never half-written).
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Bring an event written by `export-event` into this database, all or nothing: facilities
    /// by number and name, products by JAN or name, users by login; sales keep their ids and
    /// receipt numbers. Importing the same file again changes nothing.
    ImportEvent {
        file: PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// `text` (default) or `json`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Receipt printers (Epson ESC/POS over TCP).
    Printer {
        #[command(subcommand)]
        action: PrinterAction,
    },
}

#[derive(Subcommand, Debug)]
enum ImportWhat {
    /// The prefecture's wage table (CSV as published: no, facility, corp_type, fiscal_year, …).
    /// Every row is checked; for each figure that disagrees with the others a correction is
    /// proposed (kept pending beside the published value); facilities are matched by number and
    /// name. Nothing is written if any row cannot be read or a facility is not settled.
    Wages {
        file: PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Create the facilities of the file that selpos does not know.
        #[arg(long)]
        create_facilities: bool,
        /// Facility numbers (comma-separated) whose rows go to selpos's facility of that number
        /// although the names differ.
        #[arg(long, value_delimiter = ',')]
        confirm_names: Vec<i64>,
        /// `text` (default) or `json`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Subcommand, Debug)]
enum PrinterAction {
    /// Print a test page: column rulers, Japanese text, every style, a QR code, the cut.
    Test {
        /// The printer: ADDRESS or ADDRESS:PORT (port 9100 by default), an IP address on the LAN.
        address: String,
        /// Development only: allow a printer on a loopback address (127.0.0.1).
        #[arg(long)]
        allow_loopback_printers: bool,
        /// Half-width columns of the paper: 48 (80 mm) or 32 (58 mm).
        #[arg(long, default_value_t = 48)]
        columns: i64,
    },
}

#[derive(Subcommand, Debug)]
enum UserAction {
    /// Add a user; asks for the password (or PIN, for cashiers) unless piped on stdin.
    Add {
        login: String,
        /// council_admin, council_staff, facility_staff or cashier.
        #[arg(long, default_value = "council_admin")]
        role: String,
        /// Name shown in the UI (default: the login).
        #[arg(long)]
        name: Option<String>,
        /// The facility (its id) of facility staff.
        #[arg(long)]
        facility_id: Option<i64>,
    },
    /// Set a new password (asked for, or piped on stdin).
    Passwd { login: String },
    /// Set a new PIN: cashiers sign in with it; council users approve voids and refunds with it.
    Pin { login: String },
    /// Disable a user: their sessions end and they can no longer sign in.
    Disable { login: String },
}

#[derive(clap::Args, Debug)]
struct DatabaseArg {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "sqlite://selpos.db",
        hide_env_values = true
    )]
    url: String,
}

/// HTTPS: on by default off loopback, with selpos's own certificate authority.
#[derive(clap::Args, Debug)]
struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM) instead of selpos's own CA.
    #[arg(long, env = "SELPOS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "SELPOS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Where selpos keeps its own CA and server certificate (default: beside the SQLite file).
    #[arg(long, env = "SELPOS_TLS_DIR")]
    tls_dir: Option<PathBuf>,
    /// Another host name the certificate is for (repeatable), e.g. a name the venue's router gives.
    #[arg(long = "tls-name", value_name = "NAME")]
    tls_names: Vec<String>,
    /// Plain HTTP on a LAN address (only behind a proxy that speaks HTTPS: tablets need HTTPS
    /// to work offline).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    no_tls: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "selpos_server=info,tower_http=warn,info".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("selpos: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("selpos: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            addr,
            database,
            demo,
            site_root,
            secure_cookies,
            allow_loopback_printers,
            tls,
        } => {
            let database_url = database.url;
            let tls = crate::tls::choose(
                addr,
                tls.tls_cert.zip(tls.tls_key),
                tls.no_tls,
                tls.tls_dir
                    .unwrap_or_else(|| crate::tls::default_dir(&database_url)),
                tls.tls_names,
            );
            if tls.is_none() && !addr.ip().is_loopback() {
                tracing::warn!(
                    "plain HTTP on a network address: passwords cross the network readable, and tablets cannot reload the till offline"
                );
            }
            let local_ca = matches!(tls, Some(crate::tls::TlsConfig::LocalCa { .. }));
            let config = Config {
                addr,
                database_url: database_url.clone(),
                demo,
                site_root,
                secure_cookies,
                allow_loopback_printers,
                limits: server::Limits::default(),
                tls,
            };
            let running = server::start(config).await?;
            if demo {
                println!("{}", crate::demo::credentials());
            }
            if sessions::has_no_users(&running.db).await? {
                println!(
                    "No user yet. Create the first administrator with:\n  selpos user add admin --role council_admin --database-url '{}'",
                    crate::db::redact(&database_url)
                );
            }
            println!(
                "selpos is running: open {} (Ctrl-C or SIGTERM stops it gracefully)",
                running.url()
            );
            if local_ca {
                println!(
                    "HTTPS with selpos's own certificate authority: install it on each tablet once (open /setup/ca)"
                );
            }
            running.wait().await?;
        }
        Command::User { action, database } => {
            let db = crate::db::Db::connect(&database.url).await?;
            let result = user_command(&db, action).await;
            db.close().await;
            result?;
        }
        Command::Demo { database } => {
            let db = crate::db::Db::connect(&database.url).await?;
            let report = crate::demo::load(&db).await?;
            println!("{report}\n{}", crate::demo::credentials());
            db.close().await;
        }
        Command::Backup { file, database } => {
            let db = crate::db::Db::connect(&database.url).await?;
            let result = crate::backup::backup(&db, &file).await;
            db.close().await;
            println!("backup written: {}", result?);
        }
        Command::Restore {
            file,
            force,
            database,
        } => {
            let restored = crate::backup::restore(&file, &database.url, force).await?;
            println!("restored: {restored}");
        }
        Command::Import {
            what:
                ImportWhat::Wages {
                    file,
                    dry_run,
                    create_facilities,
                    confirm_names,
                    format,
                    database,
                },
        } => {
            if format != "text" && format != "json" {
                anyhow::bail!("--format must be text or json, not {format:?}");
            }
            let bytes =
                std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            eprintln!("checking {} ({} bytes)…", file.display(), bytes.len());
            let db = crate::db::Db::connect(&database.url).await?;
            let operator = users::cli_operator();
            let options = crate::usecases::wages::ImportOptions {
                dry_run,
                create_facilities,
                confirm_names,
            };
            let result = crate::usecases::wages::import(&db, &operator, &bytes, &options).await;
            db.close().await;
            match result {
                Ok(report) if format == "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                Ok(report) => print!("{}", wage_report_text(&report)),
                Err(crate::error::Error::Validation(errors)) => {
                    if format == "json" {
                        println!("{}", serde_json::to_string_pretty(&errors.0)?);
                    } else {
                        for e in &errors.0 {
                            eprintln!("{}: {}", e.field, e.message);
                        }
                    }
                    anyhow::bail!("{} problem(s): nothing was imported", errors.0.len());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::ExportEvent { code, file, database } => {
            let db = crate::db::Db::connect(&database.url).await?;
            let operator = users::cli_operator();
            let result = event_transfer::export_to_file(&db, &operator, &code, &file).await;
            db.close().await;
            let exported = result.map_err(describe)?;
            let c = exported.counts;
            println!(
                "{}: {} sales, {} voids, {} refunds, {} register sessions, {} stock operations written to {} ({} bytes, mode 0600)",
                exported.event_code,
                c.sales,
                c.voids,
                c.refunds,
                c.register_sessions,
                c.stock_operations,
                file.display(),
                exported.bytes
            );
        }
        Command::ImportEvent {
            file,
            dry_run,
            format,
            database,
        } => {
            if format != "text" && format != "json" {
                anyhow::bail!("--format must be text or json, not {format:?}");
            }
            let bytes =
                std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let db = crate::db::Db::connect(&database.url).await?;
            let operator = users::cli_operator();
            let result = event_transfer::import(&db, &operator, &bytes, dry_run).await;
            db.close().await;
            match result {
                Ok(report) if format == "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                Ok(report) => print!("{}", import_report_text(&report)),
                Err(crate::error::Error::Validation(errors)) => {
                    if format == "json" {
                        println!("{}", serde_json::to_string_pretty(&errors.0)?);
                    } else {
                        for e in &errors.0 {
                            eprintln!("{}: {}", e.field, e.message);
                        }
                    }
                    anyhow::bail!("{} problem(s): nothing was imported", errors.0.len());
                }
                Err(e) => return Err(anyhow::anyhow!("{e}: nothing was imported")),
            }
        }
        Command::Printer {
            action:
                PrinterAction::Test {
                    address,
                    columns,
                    allow_loopback_printers,
                },
        } => {
            let warnings =
                crate::usecases::receipts::print_test_page(&address, columns, allow_loopback_printers)
                    .await?;
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            println!("test page sent to {address} ({columns} columns)");
        }
    }
    Ok(())
}

async fn user_command(db: &crate::db::Db, action: UserAction) -> anyhow::Result<()> {
    use selpos_domain::access::Role;
    use selpos_domain::users::UserInput;
    let user = match action {
        UserAction::Add {
            login,
            role,
            name,
            facility_id,
        } => {
            let role = Role::from_code(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role:?}"))?;
            let (password, pin) = if role == Role::Cashier {
                (None, Some(read_secret("PIN (4-8 digits)")?))
            } else {
                (Some(read_secret("password (10+ characters)")?), None)
            };
            let input = UserInput {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                role,
                facility_id,
                password,
                pin,
                active: true,
                easy_till: false,
            };
            users::create(db, &users::cli_operator(), &input).await
        }
        UserAction::Passwd { login } => {
            let password = read_secret("new password (10+ characters)")?;
            users::change_by_login(db, &login, |u| u.password = Some(password)).await
        }
        UserAction::Pin { login } => {
            let pin = read_secret("new PIN (4-8 digits)")?;
            users::change_by_login(db, &login, |u| u.pin = Some(pin)).await
        }
        UserAction::Disable { login } => users::change_by_login(db, &login, |u| u.active = false).await,
    }
    .map_err(describe)?;
    println!(
        "{} ({}) {}",
        user.login,
        user.role.label_ja(),
        if user.active { "saved" } else { "disabled" }
    );
    Ok(())
}

/// A secret from the terminal (not echoed), or the first line of stdin when piped.
fn read_secret(what: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{what}: "))?;
        let again = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(first == again, "the two entries differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// The use case's error as the operator should read it.
fn describe(err: crate::error::Error) -> anyhow::Error {
    match err {
        crate::error::Error::Validation(fields) => anyhow::anyhow!(
            "{}",
            fields
                .0
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

/// An event import's report for a terminal.
fn import_report_text(r: &selpos_domain::event_transfer::ImportReport) -> String {
    use selpos_domain::event_transfer::Outcome;
    let c = &r.counts;
    let what = format!(
        "{} sales, {} voids, {} refunds, {} register sessions, {} payouts, {} approvals, {} stock operations \
         ({} movements), {} corrections, {} audit records",
        c.sales,
        c.voids,
        c.refunds,
        c.register_sessions,
        c.payouts,
        c.approvals,
        c.stock_operations,
        c.stock_movements,
        c.adjustments,
        c.audit
    );
    let id = r
        .event_id
        .map_or_else(String::new, |id| format!(" (event id {id})"));
    let mut out = match r.outcome {
        Outcome::AlreadyImported => {
            return format!("{}: already imported{id}: nothing written\n", r.event_code);
        }
        Outcome::Created => format!("{}: new event{id}: {what}\n", r.event_code),
        Outcome::Filled => format!("{}: filled the unused event{id}: {what}\n", r.event_code),
    };
    for login in &r.users_created {
        out.push_str(&format!(
            "user {login} created: disabled cashier without password or PIN\n"
        ));
    }
    if r.settled_on_laptop {
        out.push_str("the event was settled on the laptop: it arrives closed, settle it here\n");
    }
    out.push_str(if r.written {
        "imported: the event is closed, to be settled here\n"
    } else {
        "dry run: nothing written\n"
    });
    out
}

/// The import report for a terminal: what was read, which facilities need a decision, what
/// disagrees and what is proposed, what was written.
fn wage_report_text(r: &selpos_domain::wages::WageImportReport) -> String {
    use std::fmt::Write;
    let years: Vec<String> = r.fiscal_years.iter().map(|y| y.label_ja()).collect();
    let mut out = format!(
        "{} rows ({}); facilities: {} matched, {} new\n",
        r.rows,
        years.join(", "),
        r.facilities_matched,
        r.facilities_created
    );
    for f in &r.facilities {
        let _ = writeln!(out, "  facility {:>4}  {:?}  {}", f.number, f.status, f.message);
    }
    let _ = writeln!(
        out,
        "{} published figure(s) disagree with the others; {} correction(s) proposed:",
        r.discrepancies.len(),
        r.proposals.len()
    );
    for p in &r.proposals {
        let value = |v: Option<i64>| {
            v.map(|v| selpos_domain::wages::format_figure(&p.field, v))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            out,
            "  row {:>3}  {} {}  {}: published {}, proposed {} [{}] {}",
            p.row,
            p.number,
            p.facility,
            p.field,
            value(p.published),
            value(p.proposed),
            p.code.as_str(),
            p.reason
        );
    }
    out.push_str(if r.written {
        "imported: every row written, the proposals pending the council's decision\n"
    } else {
        "dry run: nothing written\n"
    });
    out
}
