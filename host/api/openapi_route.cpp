#include "api/openapi_route.hpp"

namespace mt5b::host {

extern const char* const kOpenApiJson;  // generated from docs/openapi.json

std::string_view openapi_document() {
  return kOpenApiJson;
}

void add_openapi_route(Router& router) {
  router.add({"GET", "/openapi.json", Access::open, [](RequestContext&) {
                Response r;
                r.body = std::string(openapi_document());
                r.set_header("Content-Type", "application/json");
                r.set_header("Cache-Control", "public, max-age=300");
                return r;
              }});
}

}  // namespace mt5b::host
