// A violation the old build allowed: a TaskManager file including the JobManager.
#include "weir/cluster/jobmanager/checkpoint_coordinator.h"
