// The library's one exported symbol.
#include "broker_mt5.hpp"

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<mt5b::broker_mt5::BrokerMt5>())
