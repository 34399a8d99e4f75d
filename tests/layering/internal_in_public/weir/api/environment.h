#pragma once
// Allowed by the layering (api may depend on cluster/minicluster), refused by the public API check.
#include "weir/cluster/minicluster/mini_cluster.h"
