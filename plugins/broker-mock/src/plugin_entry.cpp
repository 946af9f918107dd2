// The library's one exported symbol.
#include "broker_mock.hpp"

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<mt5b::broker_mock::BrokerMock>())
