#pragma once
// One builder per query (internal to this folder); queries.cc maps names to them.
#include "weir/api/environment.h"
#include "weir/nexmark/query_options.h"

namespace weir::nexmark::detail {

using QueryBuilder = void (*)(StreamExecutionEnvironment&, const QueryOptions&);

void build_q0(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q1(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q2(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q3(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q4(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q5(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q6(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q7(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q8(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q9(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q10(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q11(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q12(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q13(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q14(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q15(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q16(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q17(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q18(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q19(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q20(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q21(StreamExecutionEnvironment& env, const QueryOptions& o);
void build_q22(StreamExecutionEnvironment& env, const QueryOptions& o);
//! Calibration: every event, source to blackhole (or the sink o.sink names), nothing in between.
void build_passthrough(StreamExecutionEnvironment& env, const QueryOptions& o);

}  // namespace weir::nexmark::detail
