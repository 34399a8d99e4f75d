#pragma once
// Weir's error model (see docs/dev/errors.md): exceptions from a typed hierarchy end the operation
// that hit them (a job, a CLI command, a request); assertions are for programmer errors only.
#include <stdexcept>
#include <string>

namespace weir {

//! Base of every error Weir raises on purpose.
class WeirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! A configuration key or value is wrong: unknown key, bad value, out of range.
class ConfigError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! A job is malformed (graph errors, bad parallelism, a type mismatch in the API).
class JobDefinitionError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! Bytes could not be decoded: truncated buffer, corrupt file, wrong type.
class SerializationError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! A job ended in FAILED; the message names the operator and the user function's message.
class JobExecutionError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! A job was canceled while a caller waited for its result.
class JobCanceledError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! Thrown inside a task when it is asked to stop; never escapes a task.
class TaskCanceled : public std::exception {
 public:
  const char* what() const noexcept override { return "task canceled"; }
};

}  // namespace weir
