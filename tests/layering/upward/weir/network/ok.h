#pragma once
// Allowed: network may depend on common.
#include "weir/common/config.h"
#include "weir/network/buffer_pool.h"
