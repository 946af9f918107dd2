// GET /openapi.json: the OpenAPI 3 document of every route (docs/openapi.json, embedded at build
// time so the binary serves the document it was built with).
#pragma once

#include "api/router.hpp"

#include <string_view>

namespace mt5b::host {

std::string_view openapi_document();
void add_openapi_route(Router& router);

}  // namespace mt5b::host
