#pragma once
// The public C++ API of Weir in one include.
#include "weir/api/connected_streams.h"
#include "weir/api/data_stream.h"
#include "weir/api/environment.h"
#include "weir/api/keyed_stream.h"
#include "weir/api/process_function.h"
#include "weir/api/watermark_strategy.h"
#include "weir/api/windowed_stream.h"
#include "weir/common/serializer.h"
#include "weir/common/struct_fields.h"
#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"
