#include "normaliser/time_format.hpp"

#include <chrono>

namespace mt5b::host {

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace mt5b::host
