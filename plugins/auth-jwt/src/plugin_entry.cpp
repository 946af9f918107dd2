// The library's one exported symbol.
#include "supabase_jwt_auth.hpp"

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<mt5b::auth_jwt::SupabaseJwtAuth>())
