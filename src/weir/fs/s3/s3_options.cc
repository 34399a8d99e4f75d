#include "weir/fs/s3/s3_options.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "weir/fs/file_system.h"

namespace weir::fs::s3 {

const ConfigOption<std::string> kEndpoint{
    {"s3.endpoint", ConfigType::kString, "",
     "URL of an S3-compatible server (http://host:port or https://...); unset: AWS S3 of s3.region."}};
const ConfigOption<std::string> kAccessKey{
    {"s3.access-key", ConfigType::kString, "",
     "Access key id; unset: AWS_ACCESS_KEY_ID or ~/.aws/credentials."}};
const ConfigOption<std::string> kSecretKey{
    {"s3.secret-key", ConfigType::kString, "",
     "Secret access key; unset: AWS_SECRET_ACCESS_KEY or ~/.aws/credentials."}};
const ConfigOption<bool> kPathStyleAccess{
    {"s3.path.style.access", ConfigType::kBool, "false",
     "Address buckets as endpoint/bucket/key instead of bucket.endpoint/key (most S3-compatible servers)."}};
const ConfigOption<std::string> kRegion{
    {"s3.region", ConfigType::kString, "",
     "Region of the buckets; unset: AWS_REGION, AWS_DEFAULT_REGION, us-east-1."}};
const ConfigOption<int64_t> kRetryLimit{
    {"s3.retry.limit",
     ConfigType::kInt,
     "10",
     "Retries of a request that failed transiently (network, 5xx, throttling).",
     {},
     0,
     1000}};
const ConfigOption<Duration> kRetryInterval{
    {"s3.retry.interval", ConfigType::kDuration, "100 ms",
     "Backoff before the first retry; it doubles (with jitter) up to 10 s."}};
const ConfigOption<Duration> kRetryTimeout{
    {"s3.retry.timeout", ConfigType::kDuration, "2 min",
     "No retry starts later than this after a request's first attempt: the bound on a failing request."}};
const ConfigOption<Duration> kConnectionEstablishTimeout{
    {"s3.connection.establish.timeout", ConfigType::kDuration, "5 s", "Timeout of one TCP/TLS connect."}};
const ConfigOption<Duration> kConnectionTimeout{
    {"s3.connection.timeout", ConfigType::kDuration, "2 min", "Timeout of one request, body included."}};
const ConfigOption<int64_t> kUploadMinPartSize{
    {"s3.upload.min.part.size", ConfigType::kMemorySize, "8mb",
     "Size of the parts of a multipart upload (5mb..5gb); smaller files are one PUT at commit."}};
const ConfigOption<int64_t> kPagingMaximum{{"s3.paging.maximum",
                                            ConfigType::kInt,
                                            "1000",
                                            "Keys per page of a listing (ListObjectsV2 max-keys).",
                                            {},
                                            1,
                                            1000}};

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct Profile {
  std::string access_key, secret_key, session_token;
};

// The keys of one [profile] of an AWS credentials file (INI: "key = value" lines; '#' and ';' comments).
Profile read_profile(const std::string& file, const std::string& profile) {
  Profile p;
  std::ifstream in(file);
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_section = trim(line.substr(1, line.size() - 2)) == profile;
      continue;
    }
    size_t eq = line.find('=');
    if (!in_section || eq == std::string::npos) continue;
    std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") p.access_key = v;
    if (k == "aws_secret_access_key") p.secret_key = v;
    if (k == "aws_session_token") p.session_token = v;
  }
  return p;
}

}  // namespace

S3Settings resolve_s3_settings(const Configuration& config) {
  S3Settings s;
  s.endpoint = config.get_string(kEndpoint);
  if (s.endpoint.empty()) s.endpoint = env("AWS_ENDPOINT_URL_S3");
  if (s.endpoint.empty()) s.endpoint = env("AWS_ENDPOINT_URL");
  if (!s.endpoint.empty() && s.endpoint.find("://") == std::string::npos)
    s.endpoint = "https://" + s.endpoint;

  s.region = config.get_string(kRegion);
  if (s.region.empty()) s.region = env("AWS_REGION");
  if (s.region.empty()) s.region = env("AWS_DEFAULT_REGION");
  if (s.region.empty()) s.region = "us-east-1";

  // Keys come as a pair from one source: a key from the configuration and a secret from the
  // environment would be a mistake to point out, not to combine.
  std::string ak = config.get_string(kAccessKey), sk = config.get_string(kSecretKey);
  if (!ak.empty() || !sk.empty()) {
    if (ak.empty() || sk.empty())
      throw FileSystemError(fmt::format("{} is set but {} is not",
                                        ak.empty() ? kSecretKey.key() : kAccessKey.key(),
                                        ak.empty() ? kAccessKey.key() : kSecretKey.key()));
    s.access_key = ak;
    s.secret_key = sk;
    s.credentials_from = "s3.access-key and s3.secret-key";
  } else if (!env("AWS_ACCESS_KEY_ID").empty() || !env("AWS_SECRET_ACCESS_KEY").empty()) {
    if (env("AWS_ACCESS_KEY_ID").empty() || env("AWS_SECRET_ACCESS_KEY").empty())
      throw FileSystemError("only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set");
    s.access_key = env("AWS_ACCESS_KEY_ID");
    s.secret_key = env("AWS_SECRET_ACCESS_KEY");
    s.session_token = env("AWS_SESSION_TOKEN");
    s.credentials_from = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
  } else {
    std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
    if (file.empty() && !env("HOME").empty()) file = env("HOME") + "/.aws/credentials";
    std::string profile = env("AWS_PROFILE");
    if (profile.empty()) profile = "default";
    Profile p = file.empty() ? Profile{} : read_profile(file, profile);
    if (p.access_key.empty() || p.secret_key.empty())
      throw FileSystemError(fmt::format(
          "no S3 credentials: set s3.access-key and s3.secret-key, or AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY, or aws_access_key_id and aws_secret_access_key in profile [{}] of '{}'",
          profile, file));
    s.access_key = p.access_key;
    s.secret_key = p.secret_key;
    s.session_token = p.session_token;
    s.credentials_from = fmt::format("profile [{}] of '{}'", profile, file);
  }

  s.path_style = config.get_bool(kPathStyleAccess);
  s.retry_limit = static_cast<uint32_t>(config.get_int(kRetryLimit));
  s.retry_interval = config.get_duration(kRetryInterval);
  s.retry_timeout = config.get_duration(kRetryTimeout);
  s.connect_timeout = config.get_duration(kConnectionEstablishTimeout);
  s.request_timeout = config.get_duration(kConnectionTimeout);
  int64_t part = config.get_memory(kUploadMinPartSize, true);
  if (part < (5 << 20) || part > (int64_t{5} << 30))
    throw FileSystemError(fmt::format("{} must be between 5mb and 5gb (S3's part sizes), not {} bytes",
                                      kUploadMinPartSize.key(), part));
  s.part_size = static_cast<uint64_t>(part);
  s.page_size = static_cast<uint32_t>(config.get_int(kPagingMaximum));
  return s;
}

}  // namespace weir::fs::s3
