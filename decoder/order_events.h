// OrderEvents: the events of one committed transaction, in commit order. A contiguous vector
// whose first event is held inline (Boost.Container's small_vector, header-only), so that a
// transaction of one change, the usual autocommit, costs no allocation for its list; more events
// move to the heap.
#pragma once

#include <boost/container/small_vector.hpp>

#include "decoder/order_event.h"

namespace walcast::decoder {

using OrderEvents = boost::container::small_vector<OrderEvent, 1>;

}  // namespace walcast::decoder
