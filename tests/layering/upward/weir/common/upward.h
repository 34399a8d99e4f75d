#pragma once
// A violation: common is the bottom layer and may not include the API.
#include "weir/api/environment.h"
