#pragma once
// A folder no module declares.
#include "weir/common/config.h"
