#pragma once
// The s3.* configuration keys (Flink's names; retries and paging take Hadoop S3A's, which Flink
// forwards as s3.*) and how they combine with the AWS environment variables and credential file.
#include <chrono>
#include <cstdint>
#include <string>

#include "weir/common/config.h"

namespace weir::fs::s3 {

extern const ConfigOption<std::string> kEndpoint;                 // s3.endpoint
extern const ConfigOption<std::string> kAccessKey;                // s3.access-key
extern const ConfigOption<std::string> kSecretKey;                // s3.secret-key
extern const ConfigOption<bool> kPathStyleAccess;                 // s3.path.style.access
extern const ConfigOption<std::string> kRegion;                   // s3.region
extern const ConfigOption<int64_t> kRetryLimit;                   // s3.retry.limit
extern const ConfigOption<Duration> kRetryInterval;               // s3.retry.interval
extern const ConfigOption<Duration> kRetryTimeout;                // s3.retry.timeout
extern const ConfigOption<Duration> kConnectionEstablishTimeout;  // s3.connection.establish.timeout
extern const ConfigOption<Duration> kConnectionTimeout;           // s3.connection.timeout
extern const ConfigOption<int64_t> kUploadMinPartSize;            // s3.upload.min.part.size
extern const ConfigOption<int64_t> kPagingMaximum;                // s3.paging.maximum

//! Everything an S3 client needs, resolved once per configure().
struct S3Settings {
  std::string endpoint;  //!< "" for AWS itself
  std::string region;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string credentials_from;  //!< where the keys came from, for error messages
  bool path_style = false;
  uint32_t retry_limit = 10;
  Duration retry_interval{100};
  Duration retry_timeout{120'000};
  Duration connect_timeout{5'000};
  Duration request_timeout{120'000};
  uint64_t part_size = 8 << 20;
  uint32_t page_size = 1000;
};

//! The settings of `config`, completed from the environment and the credential file. Precedence per
//! setting: the s3.* key, then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN),
//! AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, then the profile
//! AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
//! Throws FileSystemError when no credentials are found or a key pair is incomplete.
S3Settings resolve_s3_settings(const Configuration& config);

}  // namespace weir::fs::s3
