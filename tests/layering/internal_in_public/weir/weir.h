#pragma once
#include "weir/api/environment.h"
