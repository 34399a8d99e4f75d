#pragma once
// Flink's asynchronous REST operations (savepoints, checkpoints, stop-with-savepoint): a trigger answers
// 202 with a `request-id`; the status route answers IN_PROGRESS until COMPLETED, then the `operation`
// (its `location`, or its `failure-cause`). Shared by the `weir` client commands and RestJob, which poll
// in their own ways (a deadline, a future).
//
// Threading: pure functions.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace weir::client {

//! The `request-id` of a trigger's accepted answer. WeirError naming `what` and `address` when it has none.
std::string operation_request_id(const nlohmann::json& accepted, const std::string& what,
                                 const std::string& address);

//! Reads one answer of an operation's status route: nullopt while the operation runs, its `operation`
//! object once it COMPLETED. WeirError naming `what` with the failure's cause when it failed, and naming
//! `address` when the answer is not an operation's status.
std::optional<nlohmann::json> completed_operation(const nlohmann::json& status, const std::string& what,
                                                  const std::string& address);

//! `field` of a completed operation, a string (`location`). WeirError naming `what` when it is missing.
std::string operation_string(const nlohmann::json& operation, const char* field, const std::string& what,
                             const std::string& address);

}  // namespace weir::client
