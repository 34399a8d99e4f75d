#pragma once
// Allowed: runtime may depend on common, network, state and checkpoint.
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/network/ok.h"
#include "weir/state/state_descriptor.h"
