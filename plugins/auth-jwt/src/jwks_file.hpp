// Reads a JWKS document from a local file (jwks_file), bounded in size.
#ifndef MT5BRIDGE_AUTH_JWT_JWKS_FILE_HPP
#define MT5BRIDGE_AUTH_JWT_JWKS_FILE_HPP

#include <cstddef>
#include <string>

namespace mt5b::auth_jwt {

// The file's text; throws sdk::Error(MT5B_INVALID_ARGUMENT) when it cannot be read or is
// larger than max_bytes.
std::string read_jwks_file(const std::string& path, std::size_t max_bytes);

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_JWKS_FILE_HPP
