#include "jwks_file.hpp"

#include <mt5bridge/sdk.hpp>

#include <fstream>
#include <iterator>

namespace mt5b::auth_jwt {

std::string read_jwks_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "jwks_file " + path + " cannot be opened; check the path and its permissions");
  std::string text;
  text.resize(max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "jwks_file " + path + " is larger than " +
                                                std::to_string(max_bytes) + " bytes");
  return text;
}

}  // namespace mt5b::auth_jwt
