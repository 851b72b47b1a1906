//! HTTPS for `selpos serve`: browsers give a service worker (the till's offline reload) only to
//! a secure context, and passwords, PINs and session cookies cross shared venue Wi-Fi.
//!
//! Either the operator gives a certificate and key (PEM files), or selpos is its own small
//! certificate authority, the way mkcert works: on first start it makes a CA key and certificate
//! beside the database (mode 0600), and signs a server certificate with it for the server's LAN
//! addresses and host names. The tablets install the CA once (`/setup/ca`). The server
//! certificate is made again when the addresses change or it nears its end.
//!
//! The CA is name-constrained to LAN addresses and local names, so its key could not vouch for
//! any public site even if it leaked.

use anyhow::{Context, Result, anyhow, bail};
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, PublicKeyData, SanType,
};
use sha2::{Digest, Sha256};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The local CA's certificate (what the tablets install).
pub const CA_CERT_FILE: &str = "selpos-ca.pem";
/// The local CA's private key: the one secret of this module.
pub const CA_KEY_FILE: &str = "selpos-ca-key.pem";
/// The server certificate signed by the local CA.
pub const SERVER_CERT_FILE: &str = "selpos-server.pem";
pub const SERVER_KEY_FILE: &str = "selpos-server-key.pem";

/// The common name of the local CA, as the tablets list it among their certificates.
pub const CA_NAME: &str = "selpos ローカル認証局";
/// The name the server is known by on the LAN (mDNS), besides its own host name.
pub const LOCAL_NAME: &str = "selpos.local";

const CA_DAYS: i64 = 10 * 365;
/// Under Apple's 825-day ceiling for locally trusted server certificates.
const SERVER_DAYS: i64 = 397;
/// A server certificate with less than this left is made again at start.
const RENEW_DAYS: i64 = 30;
/// Tablets' clocks may be behind.
const BACKDATE_DAYS: i64 = 1;
/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How `selpos serve` speaks HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsConfig {
    /// A certificate chain and its key, PEM files (e.g. from the council's own CA).
    Files { cert: PathBuf, key: PathBuf },
    /// selpos's own CA in `dir` (made on first start) and a server certificate it signs for
    /// the listening addresses, the host name, `selpos.local`, `localhost` and `extra_names`.
    LocalCa { dir: PathBuf, extra_names: Vec<String> },
}

/// HTTPS unless asked otherwise: with the given files, or by default with the local CA when
/// listening on anything but loopback (`--no-tls` serves plain HTTP there, e.g. behind a TLS
/// proxy). Loopback stays plain HTTP: it is a secure context for browsers already.
pub fn choose(
    addr: SocketAddr,
    files: Option<(PathBuf, PathBuf)>,
    no_tls: bool,
    dir: PathBuf,
    extra_names: Vec<String>,
) -> Option<TlsConfig> {
    if let Some((cert, key)) = files {
        return Some(TlsConfig::Files { cert, key });
    }
    if no_tls || addr.ip().is_loopback() {
        return None;
    }
    Some(TlsConfig::LocalCa { dir, extra_names })
}

/// Where the local CA lives by default: beside the SQLite file, else the working directory.
pub fn default_dir(database_url: &str) -> PathBuf {
    use std::str::FromStr;
    let file = database_url
        .starts_with("sqlite:")
        .then(|| sqlx::sqlite::SqliteConnectOptions::from_str(database_url).ok())
        .flatten()
        .map(|options| options.get_filename().to_path_buf());
    match file.as_deref().and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What the server's certificate must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    pub names: Vec<String>,
    pub addresses: Vec<IpAddr>,
}

impl Subjects {
    /// For a server listening on `listen`: that address, or every interface's address when it
    /// listens on all (`0.0.0.0`, `::`); the host name (also as `NAME.local`), `selpos.local`,
    /// `localhost` and `extra` names. IPv6 link-local addresses are left out (a browser cannot
    /// open them without a zone).
    pub fn for_listening(
        listen: IpAddr,
        interfaces: &[IpAddr],
        hostname: Option<&str>,
        extra: &[String],
    ) -> Subjects {
        let mut addresses: Vec<IpAddr> = if listen.is_unspecified() {
            interfaces
                .iter()
                .copied()
                .filter(|ip| !is_ipv6_link_local(ip))
                .chain([IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)])
                .collect()
        } else {
            vec![listen]
        };
        addresses.sort();
        addresses.dedup();
        let mut names = vec!["localhost".to_string(), LOCAL_NAME.to_string()];
        if let Some(host) = hostname.map(|h| h.trim().to_ascii_lowercase())
            && is_dns_name(&host)
            && host != "localhost"
        {
            if !host.contains('.') {
                names.push(format!("{host}.local"));
            }
            names.push(host);
        }
        names.extend(
            extra
                .iter()
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| is_dns_name(n)),
        );
        names.sort();
        names.dedup();
        Subjects { names, addresses }
    }

    /// This machine's addresses and host name.
    pub fn of_this_machine(listen: IpAddr, extra: &[String]) -> Subjects {
        let interfaces: Vec<IpAddr> = if_addrs::get_if_addrs()
            .map(|list| list.into_iter().map(|i| i.ip()).collect())
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "cannot list the network interfaces");
                Vec::new()
            });
        Subjects::for_listening(listen, &interfaces, hostname().as_deref(), extra)
    }
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && name.parse::<IpAddr>().is_err()
}

fn is_ipv6_link_local(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
}

/// The address ranges the local CA may vouch for: private LAN ranges, link-local and loopback.
fn permitted_ranges() -> Vec<CidrSubnet> {
    vec![
        CidrSubnet::from_v4_prefix([10, 0, 0, 0], 8),
        CidrSubnet::from_v4_prefix([172, 16, 0, 0], 12),
        CidrSubnet::from_v4_prefix([192, 168, 0, 0], 16),
        CidrSubnet::from_v4_prefix([169, 254, 0, 0], 16),
        CidrSubnet::from_v4_prefix([127, 0, 0, 0], 8),
        CidrSubnet::from_v6_prefix(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0).octets(), 7),
        CidrSubnet::from_v6_prefix(Ipv6Addr::LOCALHOST.octets(), 128),
    ]
}

/// selpos's own certificate authority.
pub struct LocalCa {
    cert_pem: String,
    cert_der: Vec<u8>,
    key: KeyPair,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl LocalCa {
    /// The CA in `dir`, made there first if there is none. A new CA may vouch for `localhost`,
    /// names under `.local`, and `names` (the host name and extra names of this start), and for
    /// LAN addresses only.
    pub fn load_or_create(dir: &Path, names: &[String]) -> Result<(LocalCa, bool)> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        if cert_path.exists() || key_path.exists() {
            restrict(&key_path)?;
            let cert_pem = std::fs::read_to_string(&cert_path)
                .with_context(|| format!("reading {}", cert_path.display()))?;
            let key_pem = std::fs::read_to_string(&key_path)
                .with_context(|| format!("reading {}", key_path.display()))?;
            return Ok((LocalCa::from_pem(&cert_pem, &key_pem)?, false));
        }
        let ca = LocalCa::create(names, OffsetDateTime::now_utc())?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_private(&key_path, &ca.key.serialize_pem())?;
        write_private(&cert_path, &ca.cert_pem)?;
        Ok((ca, true))
    }

    fn create(names: &[String], now: OffsetDateTime) -> Result<LocalCa> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, CA_NAME);
        dn.push(DnType::OrganizationName, "selpos");
        // Each CA's own serial in its name, so two installations are told apart on a tablet.
        dn.push(
            DnType::OrganizationalUnitName,
            uuid::Uuid::new_v4().simple().to_string(),
        );
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - time::Duration::days(BACKDATE_DAYS);
        params.not_after = now + time::Duration::days(CA_DAYS);
        let mut dns: Vec<String> = vec!["localhost".into(), "local".into()];
        dns.extend(names.iter().filter(|n| is_dns_name(n)).cloned());
        dns.sort();
        dns.dedup();
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: dns
                .into_iter()
                .map(GeneralSubtree::DnsName)
                .chain(permitted_ranges().into_iter().map(GeneralSubtree::IpAddress))
                .collect(),
            excluded_subtrees: Vec::new(),
        });
        let cert = params.self_signed(&key)?;
        Ok(LocalCa {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key,
        })
    }

    fn from_pem(cert_pem: &str, key_pem: &str) -> Result<LocalCa> {
        let key = KeyPair::from_pem(key_pem).context("reading the local CA's key")?;
        let cert_der = pem_to_der(cert_pem).context("reading the local CA's certificate")?;
        let ca = LocalCa {
            cert_pem: cert_pem.to_string(),
            cert_der,
            key,
        };
        let (_, cert) = X509Certificate::from_der(&ca.cert_der)
            .map_err(|e| anyhow!("reading the local CA's certificate: {e}"))?;
        if cert.public_key().raw != ca.key.subject_public_key_info().as_slice() {
            bail!("the local CA's key does not belong to its certificate");
        }
        Ok(ca)
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER (what `/ca.crt` serves).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// SHA-256 of the certificate, `AB:CD:…` as tablets show it in the certificate's details.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert_der)
    }

    fn certificate(&self) -> Result<X509Certificate<'_>> {
        X509Certificate::from_der(&self.cert_der)
            .map(|(_, cert)| cert)
            .map_err(|e| anyhow!("reading the local CA's certificate: {e}"))
    }

    /// Whether the CA's name constraints allow it to vouch for `name`.
    fn permits_name(&self, name: &str) -> bool {
        let Ok(cert) = self.certificate() else {
            return false;
        };
        let Ok(Some(constraints)) = cert.name_constraints() else {
            return true;
        };
        constraints
            .value
            .permitted_subtrees
            .as_ref()
            .is_none_or(|subtrees| {
                subtrees.iter().any(|subtree| match subtree.base {
                    GeneralName::DNSName(base) => {
                        let base = base.to_ascii_lowercase();
                        name == base || name.ends_with(&format!(".{base}"))
                    }
                    _ => false,
                })
            })
    }

    fn permits_address(&self, ip: &IpAddr) -> bool {
        permitted_ranges().iter().any(|range| in_range(range, ip))
    }

    /// A new server certificate and key for `subjects`, less what the CA may not vouch for.
    fn issue(&self, subjects: &Subjects, now: OffsetDateTime) -> Result<(String, String)> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "selpos");
        params.distinguished_name = dn;
        params.subject_alt_names = subjects
            .names
            .iter()
            .map(|n| Ok(SanType::DnsName(n.as_str().try_into()?)))
            .chain(subjects.addresses.iter().map(|ip| Ok(SanType::IpAddress(*ip))))
            .collect::<Result<Vec<_>, rcgen::Error>>()?;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - time::Duration::days(BACKDATE_DAYS);
        params.not_after = now + time::Duration::days(SERVER_DAYS);
        let issuer = Issuer::from_ca_cert_der(&self.cert_der.clone().into(), &self.key)?;
        let cert = params.signed_by(&key, &issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// What of `subjects` this CA may vouch for (the rest is logged and left out).
    fn covered(&self, subjects: &Subjects) -> Subjects {
        let (names, refused): (Vec<String>, Vec<String>) =
            subjects.names.iter().cloned().partition(|n| self.permits_name(n));
        let (addresses, refused_ips): (Vec<IpAddr>, Vec<IpAddr>) = subjects
            .addresses
            .iter()
            .copied()
            .partition(|ip| self.permits_address(ip));
        if !refused.is_empty() {
            tracing::warn!(
                names = ?refused,
                "the local CA was made for other host names: these are left out of the certificate \
                 (remove {CA_CERT_FILE} and {CA_KEY_FILE} to make a new CA, then install it on the tablets again)"
            );
        }
        if !refused_ips.is_empty() {
            tracing::warn!(
                addresses = ?refused_ips,
                "the local CA vouches for LAN addresses only: these are left out of the certificate \
                 (give a certificate with --tls-cert/--tls-key for public addresses)"
            );
        }
        Subjects { names, addresses }
    }
}

fn in_range(range: &CidrSubnet, ip: &IpAddr) -> bool {
    fn masked(addr: &[u8], mask: &[u8], ip: &[u8]) -> bool {
        addr.iter().zip(mask).zip(ip).all(|((a, m), i)| a & m == i & m)
    }
    match (range, ip) {
        (CidrSubnet::V4(addr, mask), IpAddr::V4(ip)) => masked(addr, mask, &ip.octets()),
        (CidrSubnet::V6(addr, mask), IpAddr::V6(ip)) => masked(addr, mask, &ip.octets()),
        _ => false,
    }
}

/// A server certificate (PEM) and its key.
pub struct ServerCertificate {
    pub cert_pem: String,
    pub key_pem: String,
    /// Made at this start (none was there, or it no longer fit).
    pub issued: bool,
    /// The names and addresses it is valid for.
    pub subjects: Subjects,
}

/// The server certificate in `dir`, made again by `ca` when there is none, it is not the
/// CA's, it names other subjects than `subjects`, or it ends within 30 days of `now`.
pub fn server_certificate(
    ca: &LocalCa,
    dir: &Path,
    subjects: &Subjects,
    now: OffsetDateTime,
) -> Result<ServerCertificate> {
    let subjects = ca.covered(subjects);
    let cert_path = dir.join(SERVER_CERT_FILE);
    let key_path = dir.join(SERVER_KEY_FILE);
    if let (Ok(cert_pem), Ok(key_pem)) = (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) && still_fits(ca, &cert_pem, &key_pem, &subjects, now)
    {
        restrict(&key_path)?;
        return Ok(ServerCertificate {
            cert_pem,
            key_pem,
            issued: false,
            subjects,
        });
    }
    let (cert_pem, key_pem) = ca.issue(&subjects, now)?;
    write_private(&key_path, &key_pem)?;
    write_private(&cert_path, &cert_pem)?;
    Ok(ServerCertificate {
        cert_pem,
        key_pem,
        issued: true,
        subjects,
    })
}

fn still_fits(ca: &LocalCa, cert_pem: &str, key_pem: &str, subjects: &Subjects, now: OffsetDateTime) -> bool {
    let Ok(der) = pem_to_der(cert_pem) else {
        return false;
    };
    let Ok((_, cert)) = X509Certificate::from_der(&der) else {
        return false;
    };
    let Ok(ca_cert) = ca.certificate() else {
        return false;
    };
    let Ok(key) = KeyPair::from_pem(key_pem) else {
        return false;
    };
    let signed_by_ca =
        cert.verify_signature(Some(ca_cert.public_key())).is_ok() && cert.issuer() == ca_cert.subject();
    let ends = cert.validity().not_after.timestamp();
    let lasts = ends - now.unix_timestamp() > RENEW_DAYS * 24 * 3600;
    let same_key = cert.public_key().raw == key.subject_public_key_info().as_slice();
    let named = certificate_subjects(&cert).is_some_and(|mut found| {
        found.names.sort();
        found.addresses.sort();
        let mut wanted = subjects.clone();
        wanted.names.sort();
        wanted.addresses.sort();
        found == wanted
    });
    signed_by_ca && lasts && same_key && named
}

fn certificate_subjects(cert: &X509Certificate<'_>) -> Option<Subjects> {
    let san = cert.subject_alternative_name().ok()??;
    let mut subjects = Subjects {
        names: Vec::new(),
        addresses: Vec::new(),
    };
    for name in &san.value.general_names {
        match name {
            GeneralName::DNSName(n) => subjects.names.push(n.to_string()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => subjects
                    .addresses
                    .push(IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?)),
                16 => subjects
                    .addresses
                    .push(IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?)),
                _ => return None,
            },
            _ => {}
        }
    }
    Some(subjects)
}

/// The names and addresses a PEM certificate is valid for (its subject alternative names).
pub fn subjects_of(cert_pem: &str) -> Result<Subjects> {
    let der = pem_to_der(cert_pem)?;
    let (_, cert) = X509Certificate::from_der(&der).map_err(|e| anyhow!("reading a certificate: {e}"))?;
    certificate_subjects(&cert).ok_or_else(|| anyhow!("the certificate names no subject"))
}

/// base64 of the SHA-256 of a PEM certificate's public key (SubjectPublicKeyInfo), as
/// Chromium's `--ignore-certificate-errors-spki-list` takes it.
pub fn spki_sha256_base64(cert_pem: &str) -> Result<String> {
    use base64::Engine;
    let der = pem_to_der(cert_pem)?;
    let (_, cert) = X509Certificate::from_der(&der).map_err(|e| anyhow!("reading a certificate: {e}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(cert.public_key().raw)))
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    Ok(CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| anyhow!("not a PEM certificate: {e}"))?
        .to_vec())
}

/// SHA-256 of DER bytes, `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Writes `contents` to `path` readable by the owner only (mode 0600), through a temporary file
/// and a rename so a crash never leaves half a key.
fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Takes group and other permissions off a key file that has them.
fn restrict(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(file = %path.display(), "a key was readable by others: now 0600");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("restricting {}", path.display()))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Ready to serve: the rustls configuration, and the local CA when selpos made the certificate.
pub struct Prepared {
    pub server_config: Arc<rustls::ServerConfig>,
    pub local_ca: Option<CaInfo>,
}

/// What `/ca.crt` and `/setup/ca` show of the local CA.
#[derive(Debug, Clone)]
pub struct CaInfo {
    pub cert_der: Vec<u8>,
    pub fingerprint: String,
    /// Where the tablets can fetch the CA: `https://ADDRESS:PORT/ca.crt` for each LAN address.
    pub download_urls: Vec<String>,
    /// The names and addresses the server certificate is valid for.
    pub subjects: Subjects,
}

impl CaInfo {
    /// The addresses to offer for downloading the CA: first the host the page was asked for
    /// (`Host` header, when the certificate is valid for it and it is not loopback), then each
    /// LAN address.
    pub fn download_urls_for(&self, host: Option<&str>) -> Vec<String> {
        let asked = host.and_then(|host| {
            let name = match host.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                _ => host,
            };
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            let valid = match bare.parse::<IpAddr>() {
                Ok(ip) => !ip.is_loopback() && self.subjects.addresses.contains(&ip),
                Err(_) => {
                    let bare = bare.to_ascii_lowercase();
                    bare != "localhost" && self.subjects.names.contains(&bare)
                }
            };
            valid.then(|| format!("https://{host}/ca.crt"))
        });
        let mut urls: Vec<String> = asked.into_iter().collect();
        for url in &self.download_urls {
            if !urls.contains(url) {
                urls.push(url.clone());
            }
        }
        urls
    }
}

/// Installs aws-lc-rs as the process's rustls provider (once; later calls do nothing).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Reads or makes the certificate for `config`, for a server listening on `listen`.
pub fn prepare(config: &TlsConfig, listen: SocketAddr) -> Result<Prepared> {
    install_crypto_provider();
    let (cert_pem, key_pem, local_ca) = match config {
        TlsConfig::Files { cert, key } => (
            std::fs::read_to_string(cert)
                .with_context(|| format!("reading the certificate {}", cert.display()))?,
            std::fs::read_to_string(key).with_context(|| format!("reading the key {}", key.display()))?,
            None,
        ),
        TlsConfig::LocalCa { dir, extra_names } => {
            let subjects = Subjects::of_this_machine(listen.ip(), extra_names);
            let (ca, created) = LocalCa::load_or_create(dir, &subjects.names)?;
            if created {
                tracing::info!(dir = %dir.display(), fingerprint = %ca.fingerprint(), "made the local certificate authority: install it on the tablets (/setup/ca)");
            }
            let server = server_certificate(&ca, dir, &subjects, OffsetDateTime::now_utc())?;
            if server.issued {
                tracing::info!(names = ?server.subjects.names, addresses = ?server.subjects.addresses, "made the server certificate");
            }
            let download_urls = server
                .subjects
                .addresses
                .iter()
                .filter(|ip| !ip.is_loopback())
                .map(|ip| format!("https://{}/ca.crt", SocketAddr::new(*ip, listen.port())))
                .collect();
            let info = CaInfo {
                cert_der: ca.cert_der().to_vec(),
                fingerprint: ca.fingerprint(),
                download_urls,
                subjects: server.subjects.clone(),
            };
            (server.cert_pem, server.key_pem, Some(info))
        }
    };
    Ok(Prepared {
        server_config: server_config(&cert_pem, &key_pem)?,
        local_ca,
    })
}

/// The rustls configuration for a PEM certificate chain and key (HTTP/1.1).
pub fn server_config(cert_pem: &str, key_pem: &str) -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    install_crypto_provider();
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("reading the certificate: {e}"))?;
    if chain.is_empty() {
        bail!("the certificate file holds no certificate");
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| anyhow!("reading the key: {e}"))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not go together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener that hands out connections once their TLS handshake is done. Handshakes run
/// in their own tasks (a slow client holds up no other) and are dropped after 10 s.
pub struct TlsListener {
    incoming: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accepting: tokio::task::AbortHandle,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (tx, incoming) = tokio::sync::mpsc::channel(64);
        let accepting = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(%err, "accepting a connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(err)) => tracing::debug!(%peer, %err, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        })
        .abort_handle();
        Ok(TlsListener {
            incoming,
            local_addr,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it never does but by abort): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn subjects(names: &[&str], addresses: &[&str]) -> Subjects {
        Subjects {
            names: names.iter().map(|n| n.to_string()).collect(),
            addresses: addresses.iter().map(|a| ip(a)).collect(),
        }
    }

    #[test]
    fn tls_by_default_off_loopback_only() {
        let dir = PathBuf::from("/data");
        let on = |addr: &str| addr.parse::<SocketAddr>().expect("addr");
        assert_eq!(
            choose(on("127.0.0.1:3000"), None, false, dir.clone(), vec![]),
            None
        );
        assert_eq!(choose(on("[::1]:3000"), None, false, dir.clone(), vec![]), None);
        for lan in ["0.0.0.0:3000", "192.168.1.10:3000", "[::]:3000"] {
            assert_eq!(
                choose(on(lan), None, false, dir.clone(), vec![]),
                Some(TlsConfig::LocalCa {
                    dir: dir.clone(),
                    extra_names: vec![]
                }),
                "{lan}"
            );
            assert_eq!(choose(on(lan), None, true, dir.clone(), vec![]), None);
        }
        let files = (PathBuf::from("c.pem"), PathBuf::from("k.pem"));
        assert_eq!(
            choose(on("127.0.0.1:3000"), Some(files.clone()), false, dir, vec![]),
            Some(TlsConfig::Files {
                cert: files.0,
                key: files.1
            })
        );
    }

    #[test]
    fn the_ca_lives_beside_the_sqlite_file() {
        assert_eq!(
            default_dir("sqlite:///srv/selpos/selpos.db"),
            PathBuf::from("/srv/selpos")
        );
        assert_eq!(default_dir("sqlite://selpos.db"), PathBuf::from("."));
        assert_eq!(default_dir("postgres://u@h/db"), PathBuf::from("."));
    }

    #[test]
    fn subjects_are_the_listening_addresses_and_local_names() {
        let interfaces = [ip("192.168.1.10"), ip("10.0.0.5"), ip("fe80::1"), ip("127.0.0.1")];
        let all = Subjects::for_listening(
            ip("0.0.0.0"),
            &interfaces,
            Some("Bazaar-PC\n"),
            &["pos.example.lan".into(), "not a name".into()],
        );
        assert_eq!(
            all.addresses,
            vec![ip("10.0.0.5"), ip("127.0.0.1"), ip("192.168.1.10"), ip("::1")]
        );
        assert_eq!(
            all.names,
            vec![
                "bazaar-pc",
                "bazaar-pc.local",
                "localhost",
                "pos.example.lan",
                "selpos.local"
            ]
        );
        let one = Subjects::for_listening(ip("192.168.1.10"), &interfaces, None, &[]);
        assert_eq!(one.addresses, vec![ip("192.168.1.10")]);
        assert_eq!(one.names, vec!["localhost", "selpos.local"]);
    }

    #[test]
    fn the_ca_is_made_once_and_its_key_is_private() {
        let dir = tempfile::tempdir().expect("dir");
        let (first, created) = LocalCa::load_or_create(dir.path(), &[]).expect("ca");
        assert!(created);
        #[cfg(unix)]
        for file in [CA_CERT_FILE, CA_KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(file))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let (again, created) = LocalCa::load_or_create(dir.path(), &[]).expect("ca");
        assert!(!created);
        assert_eq!(again.cert_der(), first.cert_der());
        assert_eq!(again.fingerprint(), first.fingerprint());
        assert_eq!(first.fingerprint().len(), 32 * 3 - 1);
    }

    #[test]
    fn a_key_that_is_not_the_cas_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        LocalCa::load_or_create(dir.path(), &[]).expect("ca");
        let other = KeyPair::generate().expect("key");
        std::fs::write(dir.path().join(CA_KEY_FILE), other.serialize_pem()).expect("write");
        let err = LocalCa::load_or_create(dir.path(), &[]).expect_err("mismatch");
        assert!(err.to_string().contains("does not belong"), "{err}");
    }

    #[test]
    fn the_server_certificate_names_the_subjects_and_is_signed_by_the_ca() {
        let dir = tempfile::tempdir().expect("dir");
        let (ca, _) = LocalCa::load_or_create(dir.path(), &["selpos.test".into()]).expect("ca");
        let wanted = subjects(
            &["localhost", "selpos.local", "selpos.test"],
            &["127.0.0.1", "192.168.1.10", "fd00::5"],
        );
        let now = OffsetDateTime::now_utc();
        let server = server_certificate(&ca, dir.path(), &wanted, now).expect("cert");
        assert!(server.issued);
        let mut found = subjects_of(&server.cert_pem).expect("sans");
        found.names.sort();
        found.addresses.sort();
        assert_eq!(found, wanted);

        let der = pem_to_der(&server.cert_pem).expect("der");
        let (_, cert) = X509Certificate::from_der(&der).expect("parse");
        let ca_cert = ca.certificate().expect("ca cert");
        assert!(cert.verify_signature(Some(ca_cert.public_key())).is_ok());
        assert_eq!(cert.issuer(), ca_cert.subject());
        let other = LocalCa::create(&[], now).expect("other ca");
        let other_cert = other.certificate().expect("other cert");
        assert!(cert.verify_signature(Some(other_cert.public_key())).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SERVER_KEY_FILE))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // rustls takes it.
        server_config(&server.cert_pem, &server.key_pem).expect("rustls");
    }

    #[test]
    fn the_server_certificate_is_kept_until_addresses_change_or_it_nears_its_end() {
        let dir = tempfile::tempdir().expect("dir");
        let (ca, _) = LocalCa::load_or_create(dir.path(), &[]).expect("ca");
        let now = OffsetDateTime::now_utc();
        let wanted = subjects(&["localhost", "selpos.local"], &["192.168.1.10"]);
        let first = server_certificate(&ca, dir.path(), &wanted, now).expect("first");
        assert!(first.issued);

        let same = server_certificate(&ca, dir.path(), &wanted, now).expect("same");
        assert!(!same.issued, "nothing changed: the same certificate");
        assert_eq!(same.cert_pem, first.cert_pem);

        let moved = subjects(&["localhost", "selpos.local"], &["192.168.1.10", "10.1.2.3"]);
        let renewed = server_certificate(&ca, dir.path(), &moved, now).expect("moved");
        assert!(renewed.issued, "a new address: a new certificate");
        assert!(
            subjects_of(&renewed.cert_pem)
                .expect("sans")
                .addresses
                .contains(&ip("10.1.2.3"))
        );
        let fewer = subjects(&["localhost", "selpos.local"], &["10.1.2.3"]);
        assert!(
            server_certificate(&ca, dir.path(), &fewer, now)
                .expect("fewer")
                .issued,
            "an address gone: a new certificate"
        );

        let later = now + time::Duration::days(SERVER_DAYS - RENEW_DAYS + 1);
        let near_end = server_certificate(&ca, dir.path(), &fewer, later).expect("near end");
        assert!(near_end.issued, "within 30 days of its end: a new certificate");

        // A new CA (the old one removed): a new certificate from it.
        let other_dir = tempfile::tempdir().expect("dir");
        let (other, _) = LocalCa::load_or_create(other_dir.path(), &[]).expect("ca");
        let now_later = later;
        assert!(
            server_certificate(&other, dir.path(), &fewer, now_later)
                .expect("other ca")
                .issued
        );
    }

    #[test]
    fn the_ca_is_offered_at_the_asked_host_when_the_certificate_names_it() {
        let info = CaInfo {
            cert_der: vec![],
            fingerprint: String::new(),
            download_urls: vec!["https://192.168.1.10:3000/ca.crt".into()],
            subjects: subjects(&["localhost", "selpos.local"], &["192.168.1.10", "10.0.0.5"]),
        };
        assert_eq!(
            info.download_urls_for(Some("10.0.0.5:3000")),
            vec!["https://10.0.0.5:3000/ca.crt", "https://192.168.1.10:3000/ca.crt"]
        );
        assert_eq!(
            info.download_urls_for(Some("SELPOS.local:3000"))[0],
            "https://SELPOS.local:3000/ca.crt"
        );
        for elsewhere in [
            Some("evil.example:3000"),
            Some("localhost:3000"),
            Some("127.0.0.1:3000"),
            Some("192.168.1.10:3000"),
            None,
        ] {
            assert_eq!(
                info.download_urls_for(elsewhere),
                vec!["https://192.168.1.10:3000/ca.crt"],
                "{elsewhere:?}"
            );
        }
    }

    #[test]
    fn the_ca_vouches_only_for_lan_addresses_and_its_names() {
        let dir = tempfile::tempdir().expect("dir");
        let (ca, _) = LocalCa::load_or_create(dir.path(), &["bazaar-pc".into()]).expect("ca");
        let asked = subjects(
            &[
                "localhost",
                "selpos.local",
                "bazaar-pc",
                "www.example.com",
                "evil.test",
            ],
            &["192.168.1.10", "8.8.8.8", "172.20.0.1", "2001:db8::1", "fd12::1"],
        );
        let server = server_certificate(&ca, dir.path(), &asked, OffsetDateTime::now_utc()).expect("cert");
        let mut found = subjects_of(&server.cert_pem).expect("sans");
        found.names.sort();
        found.addresses.sort();
        assert_eq!(
            found,
            subjects(
                &["bazaar-pc", "localhost", "selpos.local"],
                &["172.20.0.1", "192.168.1.10", "fd12::1"]
            )
        );
    }
}
