// Counts heap allocations made through the global operator new. Include
// allocation_counter.cc in exactly one binary (it replaces operator new).
#ifndef CLIENTELE_TESTS_SUPPORT_ALLOCATION_COUNTER_H_
#define CLIENTELE_TESTS_SUPPORT_ALLOCATION_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace clientele::testing {

// Total allocations since the program started (all threads).
uint64_t AllocationCount();

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_ALLOCATION_COUNTER_H_
