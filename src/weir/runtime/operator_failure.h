#pragma once
#include <string>

#include "weir/common/error.h"

namespace weir::runtime {

//! A user function threw: carries the operator's name and the function's message.
class OperatorFailure : public WeirError {
 public:
  OperatorFailure(const std::string& op, const std::string& msg)
      : WeirError("operator '" + op + "' failed: " + msg), operator_name_(op), message_(msg) {}
  const std::string& operator_name() const { return operator_name_; }
  const std::string& message() const { return message_; }

 private:
  std::string operator_name_;
  std::string message_;
};

//! What an OperatorFailure says of a function that threw what is not a std::exception (C++ allows any type).
inline constexpr const char* kNotAStdException = "it threw an exception that is not a std::exception";

}  // namespace weir::runtime
