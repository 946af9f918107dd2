// Built only by the test host.layering.wrong_way_include_fails, which expects this to fail: the
// normaliser is below the API, so the API's headers are not on its include path.
#include "api/http_types.hpp"
