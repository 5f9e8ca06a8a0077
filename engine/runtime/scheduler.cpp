#include "runtime/scheduler.h"

namespace duban::runtime {

std::atomic<SimulatedClock::rep> SimulatedClock::now_ms_{0};

template class BasicScheduler<std::chrono::system_clock>;
template class BasicScheduler<SimulatedClock, SimulatedWaitTraits>;

}  // namespace duban::runtime
