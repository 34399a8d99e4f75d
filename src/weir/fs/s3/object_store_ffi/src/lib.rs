//! A small blocking C ABI over Apache Arrow's `object_store` crate (its S3 client), for Weir's
//! `S3FileSystem` (`../s3_file_system.cc`; the declarations are in `../object_store_ffi.h`).
//!
//! Every function blocks its calling thread on one process-wide tokio runtime, returns a status code
//! (`WOS_*` below) and, on failure, an error message the caller frees with `wos_string_free`. No panic
//! crosses the boundary: each entry point runs under `catch_unwind` and turns a panic into
//! `WOS_INTERNAL`. Handles (`WosStore`, `WosUpload`) are owned by the caller and freed with their
//! `*_free` functions. A store may be used from many threads at once; an upload from one at a time.
#![allow(clippy::missing_safety_doc)]

use std::collections::VecDeque;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::stream::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig,
};
use tokio::task::JoinHandle;

pub const WOS_OK: i32 = 0;
pub const WOS_NOT_FOUND: i32 = 1;
pub const WOS_ALREADY_EXISTS: i32 = 2;
pub const WOS_ACCESS_DENIED: i32 = 3;
pub const WOS_NO_SUCH_BUCKET: i32 = 4;
pub const WOS_INVALID: i32 = 5;
pub const WOS_CALLBACK: i32 = 6;
pub const WOS_INTERNAL: i32 = 7;
/// Anything else: the server or the network failed after the retries of `RetryConfig`.
pub const WOS_IO: i32 = 8;

/// The settings of one bucket's client. Strings are NUL-terminated UTF-8; null or "" means unset.
#[repr(C)]
pub struct WosConfig {
    pub endpoint: *const c_char,
    pub region: *const c_char,
    pub bucket: *const c_char,
    pub access_key: *const c_char,
    pub secret_key: *const c_char,
    pub session_token: *const c_char,
    pub path_style: bool,
    pub max_retries: u32,
    pub retry_timeout_ms: u64,
    pub initial_backoff_ms: u64,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
}

/// Receives the bytes of a read, in order. Returns 0 to go on, anything else to stop the read.
pub type WosBytesSink = extern "C" fn(ctx: *mut c_void, data: *const u8, len: usize) -> i32;
/// Receives one entry of a listing: a key (not NUL-terminated) with its size, or a common prefix.
pub type WosListSink =
    extern "C" fn(ctx: *mut c_void, key: *const u8, len: usize, size: u64, is_prefix: bool) -> i32;

pub struct WosStore {
    s3: Arc<AmazonS3>,
}

/// Parts of one upload sent at the same time: the writer goes on filling the next part meanwhile.
const MAX_PARTS_IN_FLIGHT: usize = 4;

pub struct WosUpload {
    s3: Arc<AmazonS3>,
    path: Path,
    id: String,
    /// Index of the next part.
    next: usize,
    /// Parts being sent, oldest first; their results join `parts` in this order.
    in_flight: VecDeque<JoinHandle<object_store::Result<PartId>>>,
    parts: Vec<PartId>,
}

impl WosUpload {
    /// Waits for the oldest part in flight.
    fn finish_oldest(&mut self) -> Outcome<()> {
        let Some(handle) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let part = runtime()
            .block_on(handle)
            .map_err(|e| Failure {
                code: WOS_INTERNAL,
                message: format!("a part upload ended abnormally: {e}"),
            })?
            .map_err(classify)?;
        self.parts.push(part);
        Ok(())
    }
}

struct Failure {
    code: i32,
    message: String,
}

type Outcome<T> = Result<T, Failure>;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("weir-s3-io")
            .enable_all()
            .build()
            .expect("cannot start the tokio runtime of the S3 client")
    })
}

/// The message of an error with its sources, innermost last ("a: b: c"), without repeats.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn classify(e: object_store::Error) -> Failure {
    use object_store::Error as E;
    let code = match &e {
        E::NotFound { .. } => WOS_NOT_FOUND,
        E::AlreadyExists { .. } | E::Precondition { .. } => WOS_ALREADY_EXISTS,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => WOS_ACCESS_DENIED,
        E::InvalidPath { .. } | E::NotSupported { .. } | E::NotImplemented { .. } => WOS_INVALID,
        _ => WOS_IO,
    };
    let message = describe(&e);
    // Some requests (listings among them) wrap the server's answer in `Error::Generic`, and the
    // status is only in the text of object_store's (crate-private) RetryError.
    let code = match code {
        WOS_IO | WOS_NOT_FOUND if message.contains("<Code>NoSuchBucket</Code>") => {
            WOS_NO_SUCH_BUCKET
        }
        WOS_IO if message.contains("status code: 403") || message.contains("status code: 401") => {
            WOS_ACCESS_DENIED
        }
        WOS_IO if message.contains("status code: 404") => WOS_NOT_FOUND,
        code => code,
    };
    Failure { code, message }
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: WOS_INVALID,
        message: message.into(),
    }
}

unsafe fn opt_str(p: *const c_char) -> Outcome<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    let s = CStr::from_ptr(p)
        .to_str()
        .map_err(|_| invalid("a setting is not valid UTF-8"))?;
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

unsafe fn key_path(key: *const c_char) -> Outcome<Path> {
    let key = opt_str(key)?.unwrap_or_default();
    Path::parse(&key).map_err(|e| invalid(format!("'{key}' is not a valid object key: {e}")))
}

unsafe fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data, len)
    }
}

/// Runs `f`, stores its error (if any) in `*error`, and returns the status code.
unsafe fn run(error: *mut *mut c_char, f: impl FnOnce() -> Outcome<()>) -> i32 {
    let failure = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return WOS_OK,
        Ok(Err(failure)) => failure,
        Err(panic) => Failure {
            code: WOS_INTERNAL,
            message: panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic in the S3 client".into()),
        },
    };
    if !error.is_null() {
        let text = failure.message.replace('\0', " ");
        *error = CString::new(text).unwrap_or_default().into_raw();
    }
    failure.code
}

/// The endpoint of a virtual-hosted-style request: `bucket.` before the host, as object_store wants it.
fn virtual_hosted(endpoint: &str, bucket: &str) -> Outcome<String> {
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(|| {
        invalid(format!(
            "s3.endpoint '{endpoint}' has no scheme (http:// or https://)"
        ))
    })?;
    Ok(format!("{scheme}://{bucket}.{rest}"))
}

unsafe fn build(cfg: &WosConfig) -> Outcome<AmazonS3> {
    let bucket = opt_str(cfg.bucket)?.ok_or_else(|| invalid("no bucket"))?;
    let mut b = AmazonS3Builder::new().with_bucket_name(&bucket);
    if let Some(region) = opt_str(cfg.region)? {
        b = b.with_region(region);
    }
    if let Some(endpoint) = opt_str(cfg.endpoint)? {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        b = b.with_allow_http(endpoint.starts_with("http://"));
        b = if cfg.path_style {
            b.with_endpoint(endpoint)
        } else {
            b.with_endpoint(virtual_hosted(&endpoint, &bucket)?)
        };
    }
    b = b.with_virtual_hosted_style_request(!cfg.path_style);
    if let Some(key) = opt_str(cfg.access_key)? {
        b = b.with_access_key_id(key);
    }
    if let Some(secret) = opt_str(cfg.secret_key)? {
        b = b.with_secret_access_key(secret);
    }
    if let Some(token) = opt_str(cfg.session_token)? {
        b = b.with_token(token);
    }
    b = b.with_retry(RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(cfg.initial_backoff_ms.max(1)),
            max_backoff: Duration::from_secs(10),
            base: 2.0,
        },
        max_retries: cfg.max_retries as usize,
        retry_timeout: Duration::from_millis(cfg.retry_timeout_ms),
    });
    b = b.with_client_options(
        ClientOptions::new()
            .with_allow_http(opt_str(cfg.endpoint)?.is_some_and(|e| e.starts_with("http://")))
            .with_connect_timeout(Duration::from_millis(cfg.connect_timeout_ms.max(1)))
            .with_timeout(Duration::from_millis(cfg.request_timeout_ms.max(1))),
    );
    b.build().map_err(|e| invalid(describe(&e)))
}

/// Builds the client of one bucket. Makes no request.
#[no_mangle]
pub unsafe extern "C" fn wos_store_new(
    cfg: *const WosConfig,
    out: *mut *mut WosStore,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let s3 = build(&*cfg)?;
        *out = Box::into_raw(Box::new(WosStore { s3: Arc::new(s3) }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn wos_store_free(store: *mut WosStore) {
    if !store.is_null() {
        drop(Box::from_raw(store));
    }
}

#[no_mangle]
pub unsafe extern "C" fn wos_string_free(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}

/// Checks that the bucket exists and the credentials may list it: one ListObjectsV2 of at most one
/// key under a prefix no one uses. WOS_NO_SUCH_BUCKET or WOS_ACCESS_DENIED tell what is wrong.
#[no_mangle]
pub unsafe extern "C" fn wos_check_bucket(store: *const WosStore, error: *mut *mut c_char) -> i32 {
    run(error, || {
        let opts = PaginatedListOptions {
            max_keys: Some(1),
            ..Default::default()
        };
        let r = runtime().block_on((*store).s3.list_paginated(Some("weir-bucket-check/"), opts));
        match r {
            Ok(_) => Ok(()),
            Err(e) => {
                let mut f = classify(e);
                if f.code == WOS_NOT_FOUND {
                    f.code = WOS_NO_SUCH_BUCKET;
                }
                Err(f)
            }
        }
    })
}

/// One PUT of the whole object; with `create_only` a conditional one (If-None-Match: *), which fails
/// with WOS_ALREADY_EXISTS when the key is taken.
#[no_mangle]
pub unsafe extern "C" fn wos_put(
    store: *const WosStore,
    key: *const c_char,
    data: *const u8,
    len: usize,
    create_only: bool,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let path = key_path(key)?;
        let payload = PutPayload::from(bytes::Bytes::copy_from_slice(bytes(data, len)));
        let opts = PutOptions {
            mode: if create_only {
                PutMode::Create
            } else {
                PutMode::Overwrite
            },
            ..Default::default()
        };
        runtime()
            .block_on((*store).s3.put_opts(&path, payload, opts))
            .map(|_| ())
            .map_err(classify)
    })
}

/// Streams `length` bytes from `offset` (to the end when `length` is u64::MAX; fewer at the end of
/// the object) into `sink`, in order.
#[no_mangle]
pub unsafe extern "C" fn wos_get(
    store: *const WosStore,
    key: *const c_char,
    offset: u64,
    length: u64,
    sink: WosBytesSink,
    ctx: *mut c_void,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let path = key_path(key)?;
        let range = if length == u64::MAX {
            (offset > 0).then_some(GetRange::Offset(offset))
        } else {
            Some(GetRange::Bounded(offset..offset.saturating_add(length)))
        };
        let opts = GetOptions {
            range,
            ..Default::default()
        };
        let s3 = &(*store).s3;
        runtime().block_on(async {
            let result = s3.get_opts(&path, opts).await.map_err(classify)?;
            let mut stream = result.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(classify)?;
                if sink(ctx, chunk.as_ptr(), chunk.len()) != 0 {
                    return Err(Failure {
                        code: WOS_CALLBACK,
                        message: "the reader stopped".into(),
                    });
                }
            }
            Ok(())
        })
    })
}

/// The size of an object (HEAD). WOS_NOT_FOUND when there is none.
#[no_mangle]
pub unsafe extern "C" fn wos_head(
    store: *const WosStore,
    key: *const c_char,
    size: *mut u64,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let path = key_path(key)?;
        let meta = runtime()
            .block_on((*store).s3.head(&path))
            .map_err(classify)?;
        *size = meta.size;
        Ok(())
    })
}

/// Lists one level below `prefix` (ListObjectsV2 with delimiter '/', every page of `page_size` keys,
/// 0 for the server's default): objects and common prefixes, as full keys without a trailing '/'.
#[no_mangle]
pub unsafe extern "C" fn wos_list(
    store: *const WosStore,
    prefix: *const c_char,
    page_size: u32,
    sink: WosListSink,
    ctx: *mut c_void,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let prefix = opt_str(prefix)?.map(|p| format!("{p}/"));
        let s3 = &(*store).s3;
        runtime().block_on(async {
            let mut token = None;
            loop {
                let opts = PaginatedListOptions {
                    delimiter: Some("/".into()),
                    max_keys: (page_size > 0).then_some(page_size as usize),
                    page_token: token.take(),
                    ..Default::default()
                };
                let page = s3
                    .list_paginated(prefix.as_deref(), opts)
                    .await
                    .map_err(classify)?;
                let dirs = page.result.common_prefixes.iter().map(|p| (p, 0, true));
                let files = page
                    .result
                    .objects
                    .iter()
                    .map(|o| (&o.location, o.size, false));
                for (path, size, is_prefix) in dirs.chain(files) {
                    let key = path.as_ref();
                    if sink(ctx, key.as_ptr(), key.len(), size, is_prefix) != 0 {
                        return Err(Failure {
                            code: WOS_CALLBACK,
                            message: "the lister stopped".into(),
                        });
                    }
                }
                match page.page_token {
                    Some(t) => token = Some(t),
                    None => return Ok(()),
                }
            }
        })
    })
}

/// Deletes one object; a missing one is not an error.
#[no_mangle]
pub unsafe extern "C" fn wos_delete(
    store: *const WosStore,
    key: *const c_char,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let path = key_path(key)?;
        match runtime().block_on((*store).s3.delete(&path)) {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    })
}

/// Deletes every object below `prefix` (recursive listing, then DeleteObjects in batches).
#[no_mangle]
pub unsafe extern "C" fn wos_delete_prefix(
    store: *const WosStore,
    prefix: *const c_char,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let prefix = key_path(prefix)?;
        let s3 = &(*store).s3;
        runtime().block_on(async {
            let locations = s3.list(Some(&prefix)).map_ok(|m| m.location).boxed();
            let mut deleted = s3.delete_stream(locations);
            while let Some(r) = deleted.next().await {
                match r {
                    Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(classify(e)),
                }
            }
            Ok(())
        })
    })
}

/// Starts a multipart upload of `key`; nothing is visible until `wos_upload_complete`.
#[no_mangle]
pub unsafe extern "C" fn wos_upload_start(
    store: *const WosStore,
    key: *const c_char,
    out: *mut *mut WosUpload,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let path = key_path(key)?;
        let s3 = Arc::clone(&(*store).s3);
        let id = runtime()
            .block_on(s3.create_multipart(&path))
            .map_err(classify)?;
        *out = Box::into_raw(Box::new(WosUpload {
            s3,
            path,
            id,
            next: 0,
            in_flight: VecDeque::new(),
            parts: Vec::new(),
        }));
        Ok(())
    })
}

/// Sends the next part (every part but the last must be at least 5 MiB on S3). Returns once the bytes
/// are copied and at most MAX_PARTS_IN_FLIGHT parts are on their way; a failed part fails this call or
/// a later one, or `wos_upload_complete`.
#[no_mangle]
pub unsafe extern "C" fn wos_upload_part(
    upload: *mut WosUpload,
    data: *const u8,
    len: usize,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let u = &mut *upload;
        while u.in_flight.len() >= MAX_PARTS_IN_FLIGHT {
            u.finish_oldest()?;
        }
        let payload = PutPayload::from(bytes::Bytes::copy_from_slice(bytes(data, len)));
        let (s3, path, id, index) = (Arc::clone(&u.s3), u.path.clone(), u.id.clone(), u.next);
        u.next += 1;
        let handle = runtime().spawn(async move { s3.put_part(&path, &id, index, payload).await });
        u.in_flight.push_back(handle);
        Ok(())
    })
}

/// Completes the upload: the object appears, whole, at its key.
#[no_mangle]
pub unsafe extern "C" fn wos_upload_complete(
    upload: *mut WosUpload,
    error: *mut *mut c_char,
) -> i32 {
    run(error, || {
        let u = &mut *upload;
        while !u.in_flight.is_empty() {
            u.finish_oldest()?;
        }
        let parts = std::mem::take(&mut u.parts);
        runtime()
            .block_on(u.s3.complete_multipart(&u.path, &u.id, parts))
            .map(|_| ())
            .map_err(classify)
    })
}

/// Aborts the upload: the server drops its parts. An upload already gone is not an error.
#[no_mangle]
pub unsafe extern "C" fn wos_upload_abort(upload: *mut WosUpload, error: *mut *mut c_char) -> i32 {
    run(error, || {
        let u = &mut *upload;
        // Cancelled parts are waited for, so none lands after the abort below.
        for handle in &u.in_flight {
            handle.abort();
        }
        for handle in u.in_flight.drain(..) {
            let _ = runtime().block_on(handle);
        }
        match runtime().block_on(u.s3.abort_multipart(&u.path, &u.id)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn wos_upload_free(upload: *mut WosUpload) {
    if !upload.is_null() {
        drop(Box::from_raw(upload));
    }
}
