// The library's one exported symbol: the plugin list holding storage-postgres.
#include "postgres_storage.hpp"

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<mt5b::storage_postgres::PostgresStorage>())
