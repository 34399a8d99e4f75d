#pragma once
// The C ABI of object_store_ffi/ (Rust, Apache Arrow's object_store crate): a blocking S3 client for
// S3FileSystem. Every function returns a WOS_* code; on failure `*error` (when not null) receives a
// message to free with wos_string_free. Handles are the caller's, freed with their *_free function.
// Threading: a store may be used from many threads at once; an upload from one thread at a time.
#include <cstddef>
#include <cstdint>

extern "C" {

enum : int32_t {
  WOS_OK = 0,
  WOS_NOT_FOUND = 1,
  WOS_ALREADY_EXISTS = 2,
  WOS_ACCESS_DENIED = 3,
  WOS_NO_SUCH_BUCKET = 4,
  WOS_INVALID = 5,
  WOS_CALLBACK = 6,
  WOS_INTERNAL = 7,
  WOS_IO = 8,  //!< the network or the server failed, after the retries
};

//! One bucket's client settings. Null or "" strings are unset.
struct WosConfig {
  const char* endpoint;
  const char* region;
  const char* bucket;
  const char* access_key;
  const char* secret_key;
  const char* session_token;
  bool path_style;
  uint32_t max_retries;
  uint64_t retry_timeout_ms;
  uint64_t initial_backoff_ms;
  uint64_t connect_timeout_ms;
  uint64_t request_timeout_ms;
};

struct WosStore;
struct WosUpload;

//! Receives read bytes in order; returns 0 to go on.
using WosBytesSink = int32_t (*)(void* ctx, const uint8_t* data, size_t len);
//! Receives one listing entry (a full key, not NUL-terminated); returns 0 to go on.
using WosListSink = int32_t (*)(void* ctx, const uint8_t* key, size_t len, uint64_t size, bool is_prefix);

int32_t wos_store_new(const WosConfig* cfg, WosStore** out, char** error);
void wos_store_free(WosStore* store);
void wos_string_free(char* s);

int32_t wos_check_bucket(const WosStore* store, char** error);
int32_t wos_put(const WosStore* store, const char* key, const uint8_t* data, size_t len, bool create_only,
                char** error);
//! `length` UINT64_MAX reads to the end.
int32_t wos_get(const WosStore* store, const char* key, uint64_t offset, uint64_t length, WosBytesSink sink,
                void* ctx, char** error);
int32_t wos_head(const WosStore* store, const char* key, uint64_t* size, char** error);
//! `page_size` 0: the server's default.
int32_t wos_list(const WosStore* store, const char* prefix, uint32_t page_size, WosListSink sink, void* ctx,
                 char** error);
int32_t wos_delete(const WosStore* store, const char* key, char** error);
int32_t wos_delete_prefix(const WosStore* store, const char* prefix, char** error);

int32_t wos_upload_start(const WosStore* store, const char* key, WosUpload** out, char** error);
int32_t wos_upload_part(WosUpload* upload, const uint8_t* data, size_t len, char** error);
int32_t wos_upload_complete(WosUpload* upload, char** error);
int32_t wos_upload_abort(WosUpload* upload, char** error);
void wos_upload_free(WosUpload* upload);

}  // extern "C"
