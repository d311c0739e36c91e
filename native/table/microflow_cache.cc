// The cache is a template (the datapath picks its result type); this instantiates
// the default so its code is compiled and checked once, here.
#include "table/microflow_cache.h"

namespace nodeswitch {

template class MicroflowCache<uint32_t>;

}  // namespace nodeswitch
