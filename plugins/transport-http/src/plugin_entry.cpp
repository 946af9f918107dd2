// The library's one exported symbol.
#include "http_transport.hpp"

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<mt5b::transport_http::HttpTransport>())
